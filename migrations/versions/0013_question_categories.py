"""question categories as rows the admin manages: shared or one agency's own, in an order, retired
instead of deleted, and "Anders" with a text

- question_category: the former fixed list becomes rows with the same codes, so what contacts,
  referrals and escalations stored keeps its name. The Belastingdienst's and the SVB's own topics go
  to that agency when an agency of that name exists (otherwise they stay shared, for the admin to
  move by adding them again). A code stored anywhere that the list did not know becomes a retired
  shared category named after its code: shown, never offered.
- contact_category, referral_category, escalation_category: other_text, the text of an "Anders".

Revision ID: 0013
Revises: 0010
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = "0012"
branch_labels = None
depends_on = None

# (code, Dutch, English, agency name or None, is "Anders"): referrals.categories.STANDARD at this revision.
STANDARD = [
    ("digid_apply", "DigiD aanvragen", "Applying for DigiD", None, False),
    ("digid_activate", "DigiD activeren", "Activating DigiD", None, False),
    ("digid_app", "DigiD-app", "DigiD app", None, False),
    ("digid_recovery", "DigiD herstellen", "Recovering DigiD", None, False),
    ("berichtenbox", "Berichtenbox", "Berichtenbox", None, False),
    ("machtigen", "Machtigen", "Authorising someone", None, False),
    ("other", "Anders", "Other", None, True),
    ("toeslagen", "Toeslagen", "Allowances (Toeslagen)", "Belastingdienst", False),
    ("aangifte", "Belastingaangifte", "Tax return", "Belastingdienst", False),
    ("aow", "AOW", "State pension (AOW)", "SVB", False),
    ("kinderbijslag", "Kinderbijslag", "Child benefit", "SVB", False),
    ("svb_other", "Andere diensten van de SVB", "Other SVB services", "SVB", False),
]
ALIASES = {"sociale verzekeringsbank": "svb"}
ROW_TABLES = (("contact_category", "category"), ("referral_category", "code"), ("escalation_category", "code"))


def upgrade():
    op.create_table('question_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('name_nl', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_other', sa.Boolean(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['organisation.id'], name=op.f('fk_question_category_agency_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_category')),
    sa.UniqueConstraint('code', name=op.f('uq_question_category_code'))
    )
    with op.batch_alter_table('question_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_category_agency_id'), ['agency_id'], unique=False)
    for table, _column in ROW_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('other_text', sa.String(length=120), nullable=True))

    bind = op.get_bind()
    organisation = sa.table('organisation', sa.column('id'), sa.column('name'), sa.column('kind'))
    agencies = {}
    for org_id, name in bind.execute(sa.select(organisation.c.id, organisation.c.name)
                                     .where(organisation.c.kind == 'agency').order_by(organisation.c.id)):
        name = name.strip().lower()
        agencies.setdefault(ALIASES.get(name, name), org_id)
    category = sa.table('question_category', sa.column('code'), sa.column('agency_id'), sa.column('name_nl'),
                        sa.column('name_en'), sa.column('position'), sa.column('is_other'),
                        sa.column('retired_at', sa.DateTime(timezone=True)))
    rows = [{"code": code, "agency_id": agencies.get(agency.lower()) if agency else None, "name_nl": nl,
             "name_en": en, "position": position, "is_other": is_other, "retired_at": None}
            for position, (code, nl, en, agency, is_other) in enumerate(STANDARD)]
    known = {code for code, *_rest in STANDARD}
    stored = set()
    for table, column in ROW_TABLES:
        stored |= set(bind.execute(sa.select(sa.table(table, sa.column(column)).c[column]).distinct()).scalars())
    retired = datetime.now(UTC)
    if bind.dialect.name == "sqlite":  # stored without a zone there, as UTCDateTime does
        retired = retired.replace(tzinfo=None)
    rows += [{"code": code, "agency_id": None, "name_nl": code, "name_en": "", "position": len(STANDARD) + i,
              "is_other": False, "retired_at": retired}
             for i, code in enumerate(sorted(stored - known))]
    bind.execute(category.insert(), rows)


def downgrade():
    for table, _column in reversed(ROW_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('other_text')
    with op.batch_alter_table('question_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_category_agency_id'))
    op.drop_table('question_category')
