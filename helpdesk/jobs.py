"""Scheduler jobs of the second line. Each is safe with two schedulers: alerts have a
unique key, idle claims are released with a conditional UPDATE."""
from __future__ import annotations

from helpdesk import services


def escalation_clocks() -> int:
    """Record warnings and breaches once each, then release claims idle too long."""
    return services.record_alerts() + services.release_idle_claims()
