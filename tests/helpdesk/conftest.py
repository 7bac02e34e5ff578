import pytest

from extensions import db
from referrals.categories import add_standard_categories
from tests.counter.conftest import town  # noqa: F401  (the counter's town: the escalation starts there)
from tests.referrals.conftest import world  # noqa: F401  (the same fixture for the agency side)


@pytest.fixture(autouse=True)
def standard_categories(app):
    """The standard question categories, all shared (the tests' agencies have other names)."""
    add_standard_categories({})
    db.session.commit()
