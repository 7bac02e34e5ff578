"""the processing log in the shape of the Logboek Dataverwerkingen: a line per processing per person
(trace and operation id, activity of the register, keyed pseudonym, status, start and end) and an
audit record per operation (who did it); append-only, except the log's own retention purge

The old one-table log is moved roughly: each old entry becomes one operation with one line. Its
person is the entry's citizen, volunteer or user (a referral's citizen); a list read's ids were
cut off in a text field, so such an entry becomes a line without a person, its text kept in the
audit record's detail. The activity comes from the old purpose. Going down moves the lines back
the same rough way (the person cannot come back from its pseudonym).

Revision ID: 0011
Revises: 0010
"""
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from alembic import op
from flask import current_app

import extensions

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The old purposes (and actions) written by the code until now -> the activity of the register.
ACTIVITY_OF_PURPOSE = {
    "inloggen": "account-login", "beveiliging": "access-security", "beheer": "account-management",
    "verwijzing naar de gemeente": "referral", "verwijzing inzien": "referral", "verwijzingen bekijken": "referral",
    "afspraak bij de gemeente": "appointment", "brief met afspraak afdrukken": "appointment",
    "afspraak maken": "appointment", "afspraak bevestigen": "appointment",
    "taak afhandelen": "outreach-task", "brief afdrukken": "outreach-task", "taken afhandelen": "outreach-task",
    "sms-berichten controleren": "sms", "daglijst balie": "counter", "inwoner helpen aan de balie": "counter",
    "uitkomst vastleggen": "counter", "uitkomst inzien": "counter",
    "vertraagde verwijzingen opvolgen": "stale-follow-up",
    "cursus Digisterker": "course", "aanwezigheid cursus Digisterker": "course",
    "escalatie tweede lijn": "escalation",
    "vrijwilligers registreren": "volunteer", "nummer bevestigen": "volunteer", "vrijwilligers beheren": "volunteer",
    "vrijwilligers screenen": "volunteer",
}
ACTIVITY_OF_ACTION = {"login": "account-login", "login_failed": "access-security",
                      "access_refused": "access-security", "account": "account-management"}
STATUS_OF_ACTION = {"login_failed": "failed", "access_refused": "refused"}
ACTION_OF_ACTION = {"read_list": "read", "view": "read"}

# The append-only trigger function of 0001, now letting the retention purge delete (only delete,
# and only in a transaction that set wegwijs.log_purge itself: SET LOCAL).
PURGE_ALLOWED = """
CREATE OR REPLACE FUNCTION processing_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('wegwijs.log_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;
"""
REFUSE_ALL = """
CREATE OR REPLACE FUNCTION processing_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'processing_log is append-only'; END $$ LANGUAGE plpgsql;
"""
NEW_TABLES = ("processing_log_line", "processing_audit")


def _create_new_tables():
    op.create_table(
        'processing_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operation_id', sa.String(length=16), nullable=False),
        sa.Column('at', extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=254), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('organisation_name', sa.String(length=120), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'],
                                name=op.f('fk_processing_audit_actor_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_processing_audit_organisation_id_organisation'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_processing_audit')),
        sa.UniqueConstraint('operation_id', name=op.f('uq_processing_audit_operation_id')),
    )
    op.create_index(op.f('ix_processing_audit_at'), 'processing_audit', ['at'])
    op.create_index(op.f('ix_processing_audit_organisation_id'), 'processing_audit', ['organisation_id'])
    op.create_table(
        'processing_log_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trace_id', sa.String(length=32), nullable=False),
        sa.Column('operation_id', sa.String(length=16), nullable=False),
        sa.Column('parent_operation_id', sa.String(length=16), nullable=True),
        sa.Column('activity_id', sa.String(length=40), nullable=False),
        sa.Column('activity_version', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('person_type', sa.String(length=20), nullable=False),
        sa.Column('person', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('started_at', extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', extensions.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_processing_log_line')),
    )
    op.create_index(op.f('ix_processing_log_line_trace_id'), 'processing_log_line', ['trace_id'])
    op.create_index(op.f('ix_processing_log_line_operation_id'), 'processing_log_line', ['operation_id'])
    op.create_index('ix_processing_log_line_person', 'processing_log_line', ['person', 'started_at', 'id'])
    op.create_index('ix_processing_log_line_started', 'processing_log_line', ['started_at', 'id'])
    op.create_index('ix_processing_log_line_activity', 'processing_log_line', ['activity_id', 'started_at', 'id'])


def _old_columns():
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=254), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('organisation_name', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('subject_type', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('purpose', sa.String(length=200), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=True),
    ]


def _new_tables():
    """The two new tables as plain table clauses (no reflection: other tables need not be known)."""
    columns = {
        "processing_audit": ["operation_id", "at", "actor_id", "actor_name", "organisation_id", "organisation_name",
                             "detail"],
        "processing_log_line": ["id", "trace_id", "operation_id", "parent_operation_id", "activity_id",
                                "activity_version", "action", "person_type", "person", "status", "started_at",
                                "ended_at"],
    }
    return {name: sa.table(name, *[sa.column(c) for c in cols]) for name, cols in columns.items()}


def upgrade():
    _create_new_tables()
    bind = op.get_bind()
    key = current_app.config["PROCESSING_LOG_KEY"].encode()
    old = sa.table("processing_log", *[sa.column(c.name) for c in _old_columns()])
    referral = sa.table("referral", sa.column("id"), sa.column("citizen_id"))
    t = _new_tables()
    citizen_of = dict(bind.execute(sa.select(referral.c.id, referral.c.citizen_id)).all())
    audits, lines = [], []
    for row in bind.execute(sa.select(*old.c).order_by(old.c.id)).mappings():
        operation_id = secrets.token_hex(8)
        person_type, ref = "none", None
        if row["subject_id"] is not None and row["subject_type"] in ("citizen", "volunteer", "user"):
            person_type, ref = row["subject_type"], row["subject_id"]
        elif row["subject_id"] is not None and row["subject_type"] == "referral" and row["subject_id"] in citizen_of:
            person_type, ref = "citizen", citizen_of[row["subject_id"]]
        audits.append(dict(operation_id=operation_id, at=row["at"], actor_id=row["actor_id"],
                           actor_name=row["actor_name"], organisation_id=row["organisation_id"],
                           organisation_name=row["organisation_name"], detail=row["detail"]))
        lines.append(dict(
            trace_id=secrets.token_hex(16), operation_id=operation_id, parent_operation_id=None,
            activity_id=ACTIVITY_OF_ACTION.get(row["action"]) or ACTIVITY_OF_PURPOSE.get(row["purpose"], "referral"),
            activity_version=1, action=ACTION_OF_ACTION.get(row["action"], row["action"])[:30],
            person_type=person_type,
            person=hmac.new(key, f"{person_type}:{ref}".encode(), hashlib.sha256).hexdigest() if ref else None,
            status=STATUS_OF_ACTION.get(row["action"], "ok"), started_at=row["at"], ended_at=row["at"]))
    if audits:
        bind.execute(t["processing_audit"].insert(), audits)
        bind.execute(t["processing_log_line"].insert(), lines)
    op.drop_table('processing_log')  # its trigger goes with it; the function stays for the new tables
    if bind.dialect.name == "postgresql":
        op.execute(PURGE_ALLOWED)
        for table in NEW_TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION processing_log_append_only()")


def downgrade():
    bind = op.get_bind()
    old = op.create_table(
        'processing_log', *_old_columns(),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name='fk_processing_log_actor_id_user_account',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name='fk_processing_log_organisation_id_organisation', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_processing_log'))
    op.create_index('ix_processing_log_action', 'processing_log', ['action'])
    op.create_index('ix_processing_log_at', 'processing_log', ['at', 'id'])
    op.create_index('ix_processing_log_subject', 'processing_log', ['subject_type', 'subject_id'])
    op.create_index('ix_processing_log_organisation_at', 'processing_log', ['organisation_id', 'at', 'id'])
    t = _new_tables()
    line, audit = t["processing_log_line"], t["processing_audit"]
    rows = bind.execute(sa.select(*line.c, audit.c.actor_id, audit.c.actor_name, audit.c.organisation_id,
                                  audit.c.organisation_name, audit.c.detail)
                        .outerjoin(audit, audit.c.operation_id == line.c.operation_id).order_by(line.c.id)).mappings()
    back = [dict(at=r["started_at"], actor_id=r["actor_id"], actor_name=r["actor_name"] or "systeem",
                 organisation_id=r["organisation_id"], organisation_name=r["organisation_name"] or "Wegwijs",
                 action=r["action"], subject_type=r["person_type"], subject_id=None, purpose=r["activity_id"],
                 detail=r["detail"]) for r in rows]
    if back:
        bind.execute(old.insert(), back)
    if bind.dialect.name == "postgresql":
        op.execute(REFUSE_ALL)
    op.drop_table('processing_log_line')
    op.drop_table('processing_audit')
    if bind.dialect.name == "postgresql":
        op.execute("CREATE TRIGGER processing_log_append_only BEFORE UPDATE OR DELETE ON processing_log "
                   "FOR EACH ROW EXECUTE FUNCTION processing_log_append_only()")
