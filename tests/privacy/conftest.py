from tests.counter.conftest import standard_categories, town  # noqa: F401  (the counter's town and categories: the journeys start there)
