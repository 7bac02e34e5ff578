from tests.counter.conftest import town  # noqa: F401  (the counter's town: the journeys start there)
