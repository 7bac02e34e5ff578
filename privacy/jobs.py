"""Scheduler jobs of privacy (listed in scheduler.py)."""
from __future__ import annotations

from privacy import rights


def retention() -> None:
    """Daily: anonymise or delete what is past its retention term (privacy.rights.run_retention).
    Two schedulers: the day's run row is the claim, the second one does nothing."""
    rights.run_retention()
