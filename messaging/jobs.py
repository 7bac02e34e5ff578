"""Scheduled jobs of messaging (listed in scheduler.py). Each runs inside an app context."""
from __future__ import annotations

import logging

from messaging import dispatcher

log = logging.getLogger(__name__)


def dispatch() -> None:
    """Send what is due, reconcile what is unknown. Safe to run in several processes at once."""
    report = dispatcher.dispatch()
    if report.claimed or report.reconciled or report.requeued or report.leases_expired:
        log.info("sms dispatch: claimed %s, sent %s, retry %s, unknown %s, failed %s, released %s, "
                 "leases expired %s, reconciled %s, requeued %s", report.claimed, report.sent, report.retry,
                 report.unknown, report.failed, report.released, report.leases_expired, report.reconciled,
                 report.requeued)
