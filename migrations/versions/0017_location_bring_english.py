"""what to bring, in English too

Revision ID: 0017
Revises: 0016

A location's "what to bring" for citizens who chose English (empty: the Dutch text), so an English
SMS or letter does not carry a Dutch phrase the coordinator wrote.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("location") as batch:
        batch.add_column(sa.Column("what_to_bring_en", sa.String(length=300), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("location") as batch:
        batch.drop_column("what_to_bring_en")
