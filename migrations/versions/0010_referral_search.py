"""search on "Mijn verwijzingen": a citizen by postcode (and house number), and by the start of the name

The phone search uses the existing index on citizen.phone_e164.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_citizen_postcode_house", "citizen", ["postcode", "house_number"])
    op.create_index("ix_citizen_name_lower", "citizen", [sa.text("lower(name)")])


def downgrade():
    op.drop_index("ix_citizen_name_lower", table_name="citizen")
    op.drop_index("ix_citizen_postcode_house", table_name="citizen")
