"""A dispatcher in its own process, for the concurrency tests and the benchmark.

    WEGWIJS_WORKER_CONFIG='{"SQLALCHEMY_DATABASE_URI": ..., ...}' python -m tests.messaging.dispatch_worker

Runs the scheduler's dispatch (pipelined rounds from one pool) until no message is queued, sending or unknown (or max_seconds), then prints
a JSON report on stdout. The configuration is create_app's override dict (plus max_seconds).
"""
from __future__ import annotations

import json
import os
import sys
import time

from sqlalchemy import func, select

from app import create_app
from extensions import db
from messaging import dispatcher
from messaging.gateways import gateway_from_config
from messaging.models import OutboxMessage, SmsStatus

OPEN = (SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.UNKNOWN)


def open_messages() -> int:
    count = db.session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(OPEN))).scalar_one()
    db.session.commit()
    return count


def main() -> int:
    config = json.loads(os.environ["WEGWIJS_WORKER_CONFIG"])
    max_seconds = float(config.pop("max_seconds", 300))
    app = create_app(config)
    with app.app_context():
        gateway = gateway_from_config(app.config)
        total = dispatcher.DispatchReport()
        started, cpu = time.monotonic(), time.process_time()  # start-up left out of both
        while time.monotonic() - started < max_seconds:
            report = dispatcher.dispatch(max_seconds - (time.monotonic() - started), gateway)
            total.add(report)
            if not (report.claimed or report.reconciled or report.requeued):
                if open_messages() == 0:
                    break
                time.sleep(0.2)
        elapsed = time.monotonic() - started
        result = {name: getattr(total, name) for name in ("claimed", "sent", "retry", "unknown", "failed",
                                                          "released", "leases_expired", "reconciled", "requeued")}
        result.update(seconds=round(elapsed, 3), cpu_seconds=round(time.process_time() - cpu, 3), pid=os.getpid())
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
