"""where in the building, the helper's copy, letters printed from a code (issue 11)

Revision ID: 0014
Revises: 0010

A location's room ("Stadskantoor, 2e verdieping") for every appointment text; the citizen's
consent that the helper gets a copy of the confirmation and the reminder; a task's letter as a
code with its values, printed in the citizen's language (tasks from before keep their text).
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("location") as batch:
        batch.add_column(sa.Column("room", sa.String(length=30), nullable=False, server_default=""))
    # Not a batch: on SQLite that recreates the table and loses the expression index on lower(name).
    op.add_column("citizen", sa.Column("helper_gets_copy", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("letter", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("letter_values", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("task") as batch:
        batch.drop_column("letter_values")
        batch.drop_column("letter")
    op.drop_column("citizen", "helper_gets_copy")
    with op.batch_alter_table("location") as batch:
        batch.drop_column("room")
