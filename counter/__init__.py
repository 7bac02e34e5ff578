"""The municipal counter: day list, check-in, no-show, the outcome of a visit, the stale sweep."""
