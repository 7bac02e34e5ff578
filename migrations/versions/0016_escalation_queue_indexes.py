"""the second-line queue at national volume (issue 16)

Revision ID: 0016
Revises: 0015

Three indexes on escalation, so a page of the queue costs the same with a year of escalations:
- ix_escalation_agency_new, the Nieuw tab (open, not claimed) in the queue's order
  (due_at IS NULL, due_at, id): its first page is the first rows of the index instead of a sort of
  every new escalation;
- ix_escalation_agency_status_closed (agency_id, status, closed_at, id), the Beantwoord tab,
  newest first: was a sort of every closed escalation;
- ix_escalation_agency_municipality (agency_id, municipality_id), the queue's choice of
  municipalities: one probe per municipality instead of a read of every escalation.
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

NEW = "status = 'open' AND claimed_by_id IS NULL"


def upgrade():
    op.create_index("ix_escalation_agency_new", "escalation",
                    ["agency_id", sa.text("(due_at IS NULL)"), "due_at", "id"],
                    sqlite_where=sa.text(NEW), postgresql_where=sa.text(NEW))
    op.create_index("ix_escalation_agency_status_closed", "escalation", ["agency_id", "status", "closed_at", "id"])
    op.create_index("ix_escalation_agency_municipality", "escalation", ["agency_id", "municipality_id"])


def downgrade():
    op.drop_index("ix_escalation_agency_municipality", table_name="escalation")
    op.drop_index("ix_escalation_agency_status_closed", table_name="escalation")
    op.drop_index("ix_escalation_agency_new", table_name="escalation")
