from tests.referrals.conftest import world  # noqa: F401  (the same fixture for the agency side)
