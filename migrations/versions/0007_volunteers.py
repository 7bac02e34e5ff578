"""volunteer buddies (issue 9)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:49:07

Volunteers, their VOG checks, the search for a buddy per referral (which replaces the counter's
query of outcomes "buddy"), offers, pairings and visits. Citizens already waiting for a buddy
(outcome "buddy", referral still at "outcome recorded") get their search row here.
"""
import sqlalchemy as sa
from alembic import op

import extensions  # noqa: F401  (column types such as UTCDateTime)

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('volunteer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('postcode', sa.String(length=7), nullable=False),
    sa.Column('pc4', sa.String(length=4), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('languages', sa.String(length=100), nullable=False),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('weekdays', sa.String(length=40), nullable=False),
    sa.Column('dayparts', sa.String(length=40), nullable=False),
    sa.Column('max_buddies', sa.Integer(), nullable=False),
    sa.Column('load', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('pause_reason', sa.String(length=20), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('confirm_code', sa.String(length=6), nullable=True),
    sa.Column('confirm_sent_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('phone_confirmed_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('vog_valid_until', sa.Date(), nullable=True),
    sa.Column('vog_reminded_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_offered_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('load >= 0 AND load <= max_buddies', name=op.f('ck_volunteer_load_within_max')),
    sa.CheckConstraint('max_buddies BETWEEN 1 AND 10', name=op.f('ck_volunteer_max_buddies')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_volunteer_municipality_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer')),
    sa.UniqueConstraint('municipality_id', 'phone_e164', name='uq_volunteer_municipality_phone')
    )
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_municipality_name', ['municipality_id', 'name', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_phone_e164'), ['phone_e164'], unique=False)
        batch_op.create_index('ix_volunteer_status_vog', ['status', 'vog_valid_until'], unique=False)

    op.create_table('volunteer_vog_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_volunteer_vog_check_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_volunteer_vog_check_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_vog_check'))
    )
    with op.batch_alter_table('volunteer_vog_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_vog_check_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('buddy_search',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('auto_next', sa.Boolean(), nullable=False),
    sa.Column('offer_open', sa.Boolean(), nullable=False),
    sa.Column('accepted_offer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_buddy_search_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_buddy_search_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_buddy_search_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buddy_search')),
    sa.UniqueConstraint('referral_id', name=op.f('uq_buddy_search_referral_id'))
    )
    with op.batch_alter_table('buddy_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buddy_search_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index('ix_buddy_search_municipality_status_created', ['municipality_id', 'status', 'created_at', 'id'], unique=False)

    op.create_table('buddy_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_buddy_offer_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['search_id'], ['buddy_search.id'], name=op.f('fk_buddy_offer_search_id_buddy_search')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], name=op.f('fk_buddy_offer_sent_by_id_user_account')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_buddy_offer_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buddy_offer')),
    sa.UniqueConstraint('phone_e164', 'code', name='uq_buddy_offer_phone_code')
    )
    with op.batch_alter_table('buddy_offer', schema=None) as batch_op:
        batch_op.create_index('ix_buddy_offer_search_created', ['search_id', 'created_at'], unique=False)
        batch_op.create_index('ix_buddy_offer_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_buddy_offer_volunteer_created', ['volunteer_id', 'created_at'], unique=False)

    op.create_table('buddy_pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('first_visit_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
    sa.Column('max_until', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('next_reminder_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_visit_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('missed_checkins', sa.Integer(), nullable=False),
    sa.Column('help_asked_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('evaluations_due', sa.Integer(), nullable=False),
    sa.Column('max_flagged_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_buddy_pairing_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_buddy_pairing_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['offer_id'], ['buddy_offer.id'], name=op.f('fk_buddy_pairing_offer_id_buddy_offer')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_buddy_pairing_referral_id_referral')),
    sa.ForeignKeyConstraint(['search_id'], ['buddy_search.id'], name=op.f('fk_buddy_pairing_search_id_buddy_search')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_buddy_pairing_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buddy_pairing')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_buddy_pairing_offer_id')),
    sa.UniqueConstraint('search_id', name=op.f('uq_buddy_pairing_search_id'))
    )
    with op.batch_alter_table('buddy_pairing', schema=None) as batch_op:
        batch_op.create_index('ix_buddy_pairing_municipality_status_started', ['municipality_id', 'status', 'started_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_buddy_pairing_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index('ix_buddy_pairing_status_reminder', ['status', 'next_reminder_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_buddy_pairing_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('buddy_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['pairing_id'], ['buddy_pairing.id'], name=op.f('fk_buddy_visit_pairing_id_buddy_pairing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buddy_visit'))
    )
    with op.batch_alter_table('buddy_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buddy_visit_pairing_id'), ['pairing_id'], unique=False)
    # The waiting list so far: one search per referral with the outcome "buddy" that is not closed.
    op.execute(sa.text(
        "INSERT INTO buddy_search (referral_id, citizen_id, municipality_id, status, language, planned_start, "
        "auto_next, offer_open, created_at, updated_at) "
        "SELECT o.referral_id, r.citizen_id, o.municipality_id, 'searching', c.language, "
        "CURRENT_DATE, :yes, :no, o.recorded_at, o.recorded_at "
        "FROM counter_outcome o JOIN referral r ON r.id = o.referral_id JOIN citizen c ON c.id = r.citizen_id "
        "WHERE o.solution = 'buddy' AND r.status = 'outcome_recorded'").bindparams(yes=True, no=False))


def downgrade():
    with op.batch_alter_table('buddy_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buddy_visit_pairing_id'))

    op.drop_table('buddy_visit')
    with op.batch_alter_table('buddy_pairing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buddy_pairing_volunteer_id'))
        batch_op.drop_index('ix_buddy_pairing_status_reminder')
        batch_op.drop_index(batch_op.f('ix_buddy_pairing_referral_id'))
        batch_op.drop_index('ix_buddy_pairing_municipality_status_started')

    op.drop_table('buddy_pairing')
    with op.batch_alter_table('buddy_offer', schema=None) as batch_op:
        batch_op.drop_index('ix_buddy_offer_volunteer_created')
        batch_op.drop_index('ix_buddy_offer_status_expires')
        batch_op.drop_index('ix_buddy_offer_search_created')

    op.drop_table('buddy_offer')
    with op.batch_alter_table('buddy_search', schema=None) as batch_op:
        batch_op.drop_index('ix_buddy_search_municipality_status_created')
        batch_op.drop_index(batch_op.f('ix_buddy_search_citizen_id'))

    op.drop_table('buddy_search')
    with op.batch_alter_table('volunteer_vog_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_vog_check_volunteer_id'))

    op.drop_table('volunteer_vog_check')
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_status_vog')
        batch_op.drop_index(batch_op.f('ix_volunteer_phone_e164'))
        batch_op.drop_index('ix_volunteer_municipality_name')

    op.drop_table('volunteer')
