"""Scheduler jobs of the volunteers context (lines in scheduler.py JOBS). Each claims its rows with
conditional UPDATEs, so two schedulers do every step once."""
from __future__ import annotations

from volunteers import services


def offers() -> int:
    """Offers without an answer in time (BUDDY_OFFER_HOURS, default 48) time out; the next volunteer is asked."""
    return services.expire_offers()


def hourly() -> None:
    """VOG reminders 8 weeks ahead and expiry pauses, monthly visit reminders, evaluation tasks at 2/6/12
    months and the maximum-duration flag."""
    services.vog_reminders_and_expiry()
    services.monthly_reminders()
    services.evaluation_tasks_and_max_duration()
