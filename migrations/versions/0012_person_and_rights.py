"""one person, and the rights of a person (issue 12): the citizen belongs to a municipality and can be
anonymised; correction history, erasure requests (the tombstones), legal holds, retention runs

Revision ID: 0012
Revises: 0010

Existing citizens get the municipality of their first referral. Earlier duplicates of one person
stay separate rows (new referrals link to the oldest match).
"""
import sqlalchemy as sa
from alembic import op

import extensions  # noqa: F401  (column types such as UTCDateTime)

revision = '0012'
down_revision = "0011"
branch_labels = None
depends_on = None


def _foreign_keys_off(bind):
    """SQLite: the batch operation copies citizen, drops the original (which referrals reference) and
    renames the copy, so foreign keys are checked once at the end instead (as in 0005)."""
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def _foreign_keys_on(bind):
    if bind.dialect.name == "sqlite":
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def _name_index():
    # SQLite's batch copy cannot reflect the expression index of 0010, so it is lost with the old table.
    op.execute("CREATE INDEX IF NOT EXISTS ix_citizen_name_lower ON citizen (lower(name))")


def _person_columns():
    return [sa.Column('municipality_id', sa.Integer(), sa.ForeignKey('organisation.id'), nullable=False),
            sa.Column('person_type', sa.String(length=20), nullable=False),
            sa.Column('person_id', sa.Integer(), nullable=False)]


def _user(name):
    return sa.Column(name, sa.Integer(), sa.ForeignKey('user_account.id', ondelete='SET NULL'), nullable=True)


def upgrade():
    bind = op.get_bind()
    _foreign_keys_off(bind)
    with op.batch_alter_table('citizen') as batch:
        batch.add_column(sa.Column('municipality_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('anonymised_at', extensions.UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key('fk_citizen_municipality_id_organisation', 'organisation', ['municipality_id'], ['id'])
        batch.create_index('ix_citizen_municipality_id', ['municipality_id'])
    _name_index()
    op.execute("UPDATE citizen SET municipality_id = (SELECT r.municipality_id FROM referral r "
               "WHERE r.citizen_id = citizen.id ORDER BY r.id LIMIT 1)")
    _foreign_keys_on(bind)

    op.create_table('privacy_correction', sa.Column('id', sa.Integer(), primary_key=True), *_person_columns(),
                    sa.Column('field', sa.String(length=40), nullable=False),
                    sa.Column('old_value', sa.String(length=200), nullable=False),
                    sa.Column('new_value', sa.String(length=200), nullable=False),
                    sa.Column('reason', sa.String(length=300), nullable=False), _user('by_user_id'),
                    sa.Column('at', extensions.UTCDateTime(timezone=True), nullable=False))
    op.create_index('ix_privacy_correction_person', 'privacy_correction', ['person_type', 'person_id'])
    op.create_table('privacy_erasure', sa.Column('id', sa.Integer(), primary_key=True), *_person_columns(),
                    sa.Column('reason', sa.String(length=20), nullable=False),
                    sa.Column('status', sa.String(length=10), nullable=False), _user('requested_by_id'),
                    sa.Column('requested_at', extensions.UTCDateTime(timezone=True), nullable=False), _user('decided_by_id'),
                    sa.Column('decided_at', extensions.UTCDateTime(timezone=True), nullable=True),
                    sa.Column('summary', sa.String(length=500), nullable=False))
    op.create_index('ix_privacy_erasure_person', 'privacy_erasure', ['person_type', 'person_id'])
    op.create_index('ix_privacy_erasure_municipality_status', 'privacy_erasure', ['municipality_id', 'status', 'id'])
    op.create_table('privacy_legal_hold', sa.Column('id', sa.Integer(), primary_key=True), *_person_columns(),
                    sa.Column('reason', sa.String(length=20), nullable=False), _user('placed_by_id'),
                    sa.Column('placed_at', extensions.UTCDateTime(timezone=True), nullable=False), _user('lifted_by_id'),
                    sa.Column('lifted_at', extensions.UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_privacy_legal_hold_person', 'privacy_legal_hold', ['person_type', 'person_id'])
    op.create_table('privacy_retention_run', sa.Column('id', sa.Integer(), primary_key=True),
                    sa.Column('run_on', sa.Date(), nullable=False, unique=True),
                    sa.Column('started_at', extensions.UTCDateTime(timezone=True), nullable=False),
                    sa.Column('finished_at', extensions.UTCDateTime(timezone=True), nullable=True),
                    sa.Column('summary', sa.String(length=500), nullable=False),
                    sa.Column('held', sa.Integer(), nullable=False))


def downgrade():
    op.drop_table('privacy_retention_run')
    op.drop_index('ix_privacy_legal_hold_person', table_name='privacy_legal_hold')
    op.drop_table('privacy_legal_hold')
    op.drop_index('ix_privacy_erasure_municipality_status', table_name='privacy_erasure')
    op.drop_index('ix_privacy_erasure_person', table_name='privacy_erasure')
    op.drop_table('privacy_erasure')
    op.drop_index('ix_privacy_correction_person', table_name='privacy_correction')
    op.drop_table('privacy_correction')
    bind = op.get_bind()
    _foreign_keys_off(bind)
    with op.batch_alter_table('citizen') as batch:
        batch.drop_index('ix_citizen_municipality_id')
        batch.drop_constraint('fk_citizen_municipality_id_organisation', type_='foreignkey')
        batch.drop_column('anonymised_at')
        batch.drop_column('municipality_id')
    _name_index()
    _foreign_keys_on(bind)
