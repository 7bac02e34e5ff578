"""Demo data for messaging: a couple of sample SMS in the outbox (idempotent by dedup key)."""
from __future__ import annotations

from sqlalchemy import select

from accounts.models import Organisation, OrgKind
from extensions import db, unit_of_work
from messaging.services import queue_sms


@unit_of_work()
def seed() -> None:
    org = db.session.execute(
        select(Organisation).where(Organisation.kind == OrgKind.MUNICIPALITY).order_by(Organisation.id).limit(1)
    ).scalar()
    org_id = org.id if org else None
    name = org.name if org else "Wegwijs"
    samples = [
        ("+31612345678", "nl", "demo:test:1"),
        ("+31687654321", "en", "demo:test:2"),
    ]
    for number, language, key in samples:
        queue_sms(to=number, purpose="test", language=language, values={"organisation": name},
                  subject_type="demo", subject_id=0, dedup_key=key, organisation_id=org_id)
