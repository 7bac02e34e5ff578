"""What the counter holds about a person, registered with privacy.registry: check-ins and no-shows,
and the outcome of a visit with the counter's notes. Imported by app.py."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from counter.models import CounterVisit, Outcome
from extensions import db
from extensions.dates import when
from privacy.registry import Due, Holding, Person, Retention, register
from referrals.models import Referral
from referrals.vocabulary import Status

_HAS_TEXT = or_(Outcome.notes != "", Outcome.other_support != "", Outcome.escalation_need != "")


def _export(person: Person) -> list[dict]:
    visits = db.session.execute(select(CounterVisit).join(Referral, Referral.id == CounterVisit.referral_id)
                                .where(Referral.citizen_id == person.id).order_by(CounterVisit.id)).scalars()
    outcomes = db.session.execute(select(Outcome).join(Referral, Referral.id == Outcome.referral_id)
                                  .where(Referral.citizen_id == person.id).order_by(Outcome.id)).scalars()
    rows = [{_l("Verwijzing"): str(v.referral_id), _l("Balie"): v.kind, _l("Op"): when(v.at, "stamp_long")} for v in visits]
    rows += [{_l("Verwijzing"): str(o.referral_id), _l("Uitkomst"): str(o.result_label),
              _l("Oplossing"): str(o.solution_label), _l("Andere hulp"): o.other_support,
              _l("Vraag aan de tweede lijn"): o.escalation_need, _l("Notitie"): o.notes,
              _l("Op"): when(o.recorded_at, "stamp_long")} for o in outcomes]
    return rows


def _blank(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(update(Outcome).where(Outcome.id.in_(ids))
                              .values(notes="", other_support="", escalation_need="")
                              .execution_options(synchronize_session="fetch")).rowcount


def _erase(person: Person) -> int:
    # The outcome's codes stay (reports count them); the counter's free text goes.
    return _blank(list(db.session.execute(select(Outcome.id).join(Referral, Referral.id == Outcome.referral_id)
                                          .where(Referral.citizen_id == person.id)).scalars()))


def _due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(
        select(Outcome.id, Outcome.municipality_id, Referral.citizen_id, Referral.updated_at)
        .join(Referral, Referral.id == Outcome.referral_id)
        .where(Referral.status.in_((Status.CLOSED, Status.CANCELLED)), Referral.updated_at < cutoff, _HAS_TEXT)).all()
    return [Due(oid, mid, "citizen", cid, since) for oid, mid, cid, since in rows]


register(Holding(
    code="counter_outcome", label=_l("Bezoek aan de balie en de uitkomst"),
    tables=("counter_visit", "counter_outcome", "counter_outcome_action"), person_types=("citizen",),
    export=_export, erase=_erase, how=_l("geanonimiseerd (telt mee in rapportages)"),
    retention=Retention(setting="RETENTION_REFERRAL_MONTHS", default_months=12, start=_l("verwijzing afgesloten"),
                        due=_due, expire=_blank)))
