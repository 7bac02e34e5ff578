"""reports at national volume (issue 13)

Revision ID: 0015
Revises: 0014

A contact's question categories carry the contact's organisation and time (copied when the contact
is logged), with an index (organisation_id, at, category): the question topics of a year of one
agency are an index range instead of a join over every category row. Existing rows are filled from
their contact.
"""
import sqlalchemy as sa
from alembic import op

import extensions

revision = '0015'
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contact_category") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("at", extensions.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE contact_category SET organisation_id = contact.organisation_id, at = contact.at "
               "FROM contact WHERE contact.id = contact_category.contact_id")
    with op.batch_alter_table("contact_category") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("at", existing_type=extensions.UTCDateTime(timezone=True), nullable=False)
        batch.create_foreign_key(batch.f("fk_contact_category_organisation_id_organisation"), "organisation",
                                 ["organisation_id"], ["id"])
        batch.create_index("ix_contact_category_organisation_at", ["organisation_id", "at", "category"])


def downgrade():
    with op.batch_alter_table("contact_category") as batch:
        batch.drop_index("ix_contact_category_organisation_at")
        batch.drop_constraint(batch.f("fk_contact_category_organisation_id_organisation"), type_="foreignkey")
        batch.drop_column("at")
        batch.drop_column("organisation_id")
