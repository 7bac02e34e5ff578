from tests.counter.conftest import town  # noqa: F401  (the counter's town: the escalation starts there)
from tests.referrals.conftest import world  # noqa: F401  (the same fixture for the agency side)
