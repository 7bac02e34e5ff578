"""indexes for keyset pagination: each growing list's filter and ORDER BY, with id as the tie-breaker

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# (table, index, columns now, columns before or None when new)
CHANGES = [
    ("referral", "ix_referral_referring_org_created", ["referring_org_id", "created_at", "id"],
     ["referring_org_id", "created_at"]),
    ("referral", "ix_referral_municipality_created", ["municipality_id", "created_at", "id"],
     ["municipality_id", "created_at"]),
    ("referral", "ix_referral_referred_by_created", ["referred_by_id", "created_at", "id"], None),
    ("task", "ix_task_municipality_done", ["municipality_id", "done_at", "id"], ["municipality_id", "done_at"]),
    ("task", "ix_task_municipality_created", ["municipality_id", "created_at", "id"], None),
    ("processing_log", "ix_processing_log_at", ["at", "id"], ["at"]),
    ("processing_log", "ix_processing_log_organisation_at", ["organisation_id", "at", "id"], None),
    ("sms_message", "ix_sms_message_created", ["created_at", "id"], None),
    ("sms_message", "ix_sms_message_organisation_created", ["organisation_id", "created_at", "id"], None),
    ("sms_inbound", "ix_sms_inbound_received", ["received_at", "id"], None),
]


def upgrade():
    for table, name, now, before in CHANGES:
        if before is not None:
            op.drop_index(name, table_name=table)
        op.create_index(name, table, now)


def downgrade():
    for table, name, _now, before in reversed(CHANGES):
        op.drop_index(name, table_name=table)
        if before is not None:
            op.create_index(name, table, before)
