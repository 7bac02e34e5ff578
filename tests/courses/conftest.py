"""The courses share the counter's fixtures."""
from tests.counter.conftest import town  # noqa: F401
