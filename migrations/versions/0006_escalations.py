"""the second-line escalation queue

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:49:20

Escalations with their question categories (a row each in escalation_category), their history
(events), internal notes, the alerts the scheduler records once, and per agency the service levels
and closure days.
"""
import sqlalchemy as sa
from alembic import op

import extensions  # noqa: F401  (column types such as UTCDateTime)

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('escalation_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_escalation_closure_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_closure')),
    sa.UniqueConstraint('organisation_id', 'day', name='uq_escalation_closure_org_day')
    )
    op.create_table('escalation_sla',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('first_response_hours', sa.Integer(), nullable=False),
    sa.Column('update_hours', sa.Integer(), nullable=False),
    sa.Column('resolution_hours', sa.Integer(), nullable=False),
    sa.Column('idle_claim_hours', sa.Integer(), nullable=False),
    sa.CheckConstraint('first_response_hours BETWEEN 1 AND 400 AND update_hours BETWEEN 1 AND 400 AND resolution_hours BETWEEN 1 AND 2000 AND idle_claim_hours BETWEEN 1 AND 400', name=op.f('ck_escalation_sla_hours')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_escalation_sla_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_escalation_sla'))
    )
    op.create_table('escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('consent_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('consent_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('owner_active_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('warn_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('answer', sa.String(length=200), nullable=False),
    sa.Column('closed_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('followed_up_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('followed_up_how', sa.String(length=10), nullable=True),
    sa.CheckConstraint("urgency IN ('normal', 'urgent')", name=op.f('ck_escalation_urgency')),
    sa.ForeignKeyConstraint(['agency_id'], ['organisation.id'], name=op.f('fk_escalation_agency_id_organisation')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['user_account.id'], name=op.f('fk_escalation_claimed_by_id_user_account')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_escalation_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['consent_by_id'], ['user_account.id'], name=op.f('fk_escalation_consent_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_escalation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_escalation_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_escalation_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation'))
    )
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.create_index('ix_escalation_agency_claimed_due', ['agency_id', 'claimed_by_id', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_escalation_agency_status_due', ['agency_id', 'status', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_escalation_municipality_created', ['municipality_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalation_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index('uq_escalation_one_open', ['referral_id'], unique=True, sqlite_where=sa.text("status != 'closed'"), postgresql_where=sa.text("status != 'closed'"))

    op.create_table('escalation_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('clock_name', sa.String(length=20), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('due_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['organisation.id'], name=op.f('fk_escalation_alert_agency_id_organisation')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalation.id'], name=op.f('fk_escalation_alert_escalation_id_escalation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_alert')),
    sa.UniqueConstraint('escalation_id', 'clock_name', 'cycle', 'kind', name='uq_escalation_alert_once')
    )
    with op.batch_alter_table('escalation_alert', schema=None) as batch_op:
        batch_op.create_index('ix_escalation_alert_agency_kind_at', ['agency_id', 'kind', 'at', 'id'], unique=False)

    op.create_table('escalation_category',
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalation.id'], name=op.f('fk_escalation_category_escalation_id_escalation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('escalation_id', 'code', name=op.f('pk_escalation_category'))
    )
    with op.batch_alter_table('escalation_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_category_code'), ['code'], unique=False)

    op.create_table('escalation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('to_user_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], name=op.f('fk_escalation_event_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalation.id'], name=op.f('fk_escalation_event_escalation_id_escalation')),
    sa.ForeignKeyConstraint(['to_user_id'], ['user_account.id'], name=op.f('fk_escalation_event_to_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_event'))
    )
    with op.batch_alter_table('escalation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_event_escalation_id'), ['escalation_id'], unique=False)

    op.create_table('escalation_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['organisation.id'], name=op.f('fk_escalation_note_agency_id_organisation')),
    sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], name=op.f('fk_escalation_note_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalation.id'], name=op.f('fk_escalation_note_escalation_id_escalation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_note'))
    )
    with op.batch_alter_table('escalation_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_note_escalation_id'), ['escalation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('escalation_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_note_escalation_id'))

    op.drop_table('escalation_note')
    with op.batch_alter_table('escalation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_event_escalation_id'))

    op.drop_table('escalation_event')
    with op.batch_alter_table('escalation_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_category_code'))

    op.drop_table('escalation_category')
    with op.batch_alter_table('escalation_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_alert_agency_kind_at')

    op.drop_table('escalation_alert')
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_index('uq_escalation_one_open', sqlite_where=sa.text("status != 'closed'"), postgresql_where=sa.text("status != 'closed'"))
        batch_op.drop_index(batch_op.f('ix_escalation_referral_id'))
        batch_op.drop_index('ix_escalation_municipality_created')
        batch_op.drop_index('ix_escalation_agency_status_due')
        batch_op.drop_index('ix_escalation_agency_claimed_due')

    op.drop_table('escalation')
    op.drop_table('escalation_sla')
    op.drop_table('escalation_closure')
