"""counter and Digisterker courses (issue 5)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 22:15:00

Tables of the counter (visits, outcomes, tasks) and of the courses (courses, sessions,
enrolments, attendance), and referral.stale_since for the stale sweep.
"""
import sqlalchemy as sa
from alembic import op

import extensions  # noqa: F401  (column types such as UTCDateTime)

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('intake_note', sa.Text(), nullable=False),
    sa.Column('created_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('capacity BETWEEN 1 AND 100', name=op.f('ck_course_capacity')),
    sa.CheckConstraint('taken >= 0 AND taken <= capacity', name=op.f('ck_course_taken_within_capacity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_course_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_course_location_id_location')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_course_municipality_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course'))
    )
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('counter_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=400), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_counter_task_done_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_counter_task_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_counter_task_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_task')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_counter_task_dedup_key'))
    )
    with op.batch_alter_table('counter_task', schema=None) as batch_op:
        batch_op.create_index('ix_counter_task_municipality_done', ['municipality_id', 'done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_task_referral_id'), ['referral_id'], unique=False)

    op.create_table('course_enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_enrolment_course_id_course')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_course_enrolment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_course_enrolment_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_course_enrolment_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_enrolment'))
    )
    with op.batch_alter_table('course_enrolment', schema=None) as batch_op:
        batch_op.create_index('ix_course_enrolment_course_status', ['course_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_enrolment_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index('uq_course_enrolment_one_active', ['referral_id'], unique=True, sqlite_where=sa.text("status IN ('enrolled', 'waiting')"), postgresql_where=sa.text("status IN ('enrolled', 'waiting')"))

    op.create_table('course_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminder_at', extensions.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_course_session_starts_before_ends')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_session_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_session'))
    )
    with op.batch_alter_table('course_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_session_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_course_session_starts', ['starts_at'], unique=False)

    op.create_table('counter_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('actions', sa.String(length=300), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('solution', sa.String(length=12), nullable=False),
    sa.Column('other_support', sa.String(length=200), nullable=False),
    sa.Column('escalation_need', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('minutes BETWEEN 1 AND 600', name=op.f('ck_counter_outcome_minutes')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_counter_outcome_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_counter_outcome_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_counter_outcome_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_counter_outcome_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_outcome')),
    sa.UniqueConstraint('referral_id', name=op.f('uq_counter_outcome_referral_id'))
    )
    with op.batch_alter_table('counter_outcome', schema=None) as batch_op:
        batch_op.create_index('ix_counter_outcome_municipality_solution', ['municipality_id', 'solution'], unique=False)

    op.create_table('counter_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_counter_visit_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], name=op.f('fk_counter_visit_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_counter_visit_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_counter_visit_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_visit')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_counter_visit_appointment_id'))
    )
    with op.batch_alter_table('counter_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_visit_referral_id'), ['referral_id'], unique=False)

    op.create_table('course_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['course_enrolment.id'], name=op.f('fk_course_attendance_enrolment_id_course_enrolment')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_course_attendance_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['session_id'], ['course_session.id'], name=op.f('fk_course_attendance_session_id_course_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_attendance')),
    sa.UniqueConstraint('session_id', 'enrolment_id', name='uq_course_attendance_session')
    )
    with op.batch_alter_table('course_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_attendance_enrolment_id'), ['enrolment_id'], unique=False)

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stale_since', extensions.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('stale_since')

    with op.batch_alter_table('course_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_attendance_enrolment_id'))

    op.drop_table('course_attendance')
    with op.batch_alter_table('counter_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_visit_referral_id'))

    op.drop_table('counter_visit')
    with op.batch_alter_table('counter_outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_counter_outcome_municipality_solution')

    op.drop_table('counter_outcome')
    with op.batch_alter_table('course_session', schema=None) as batch_op:
        batch_op.drop_index('ix_course_session_starts')
        batch_op.drop_index(batch_op.f('ix_course_session_course_id'))

    op.drop_table('course_session')
    with op.batch_alter_table('course_enrolment', schema=None) as batch_op:
        batch_op.drop_index('uq_course_enrolment_one_active', sqlite_where=sa.text("status IN ('enrolled', 'waiting')"), postgresql_where=sa.text("status IN ('enrolled', 'waiting')"))
        batch_op.drop_index(batch_op.f('ix_course_enrolment_referral_id'))
        batch_op.drop_index('ix_course_enrolment_course_status')

    op.drop_table('course_enrolment')
    with op.batch_alter_table('counter_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_task_referral_id'))
        batch_op.drop_index('ix_counter_task_municipality_done')

    op.drop_table('counter_task')
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_municipality_id'))

    op.drop_table('course')
