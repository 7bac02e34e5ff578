"""Test helper: the processing log's lines with their audit record, as one flat row each."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from extensions import db
from privacy.models import AuditRecord, LogLine

LINE = [c.key for c in LogLine.__table__.columns]
AUDIT = ["actor_id", "actor_name", "organisation_id", "organisation_name", "detail"]


def log_rows(**where) -> list[SimpleNamespace]:
    """Lines (oldest first) whose line or audit columns have these values."""
    db.session.expire_all()
    stmt = (select(LogLine, AuditRecord).join(AuditRecord, AuditRecord.operation_id == LogLine.operation_id)
            .order_by(LogLine.id))
    for column, value in where.items():
        stmt = stmt.where(getattr(LogLine if column in LINE else AuditRecord, column) == value)
    return [SimpleNamespace(**{c: getattr(line, c) for c in LINE}, **{c: getattr(audit, c) for c in AUDIT})
            for line, audit in db.session.execute(stmt).all()]
