"""who writes, and whole letters (issue 11)

Revision ID: 0009
Revises: 0008

A municipality's short SMS name (the sender every citizen text names) on the organisation, and
the task's text as TEXT: a letter task's body is the whole letter, no longer cut at 400 characters.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("sms_name", sa.String(length=24), nullable=False, server_default=""))
    with op.batch_alter_table("task") as batch:
        batch.alter_column("description", existing_type=sa.String(length=400), type_=sa.Text(),
                           existing_nullable=False)


def downgrade():
    op.execute("UPDATE task SET description = substr(description, 1, 400) WHERE length(description) > 400")
    with op.batch_alter_table("task") as batch:
        batch.alter_column("description", existing_type=sa.Text(), type_=sa.String(length=400),
                           existing_nullable=False)
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("sms_name")
