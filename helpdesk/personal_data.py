"""What the helpdesk holds about a person, registered with privacy.registry: the agency's contact
notes and the second-line escalations with their messages and internal notes. Imported by app.py."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from extensions import db
from extensions.dates import when
from helpdesk.models import (
    Contact,
    ContactCategory,
    Escalation,
    EscalationCategory,
    EscalationEvent,
    EscalationNote,
)
from privacy.registry import Due, Holding, Person, Retention, register, register_sms_subjects
from referrals.models import Referral
from referrals.vocabulary import Status


def _escalations_of(person: Person):
    return (select(Escalation.id).join(Referral, Referral.id == Escalation.referral_id)
            .where(Referral.citizen_id == person.id))


# The citizen's SMS about an escalation, also one sent to a number he has since corrected.
register_sms_subjects("citizen", lambda citizen_id: [("escalation", i) for i in db.session.execute(
    select(Escalation.id).join(Referral, Referral.id == Escalation.referral_id)
    .where(Referral.citizen_id == citizen_id)).scalars()])


def _export(person: Person) -> list[dict]:
    rows = []
    contacts = db.session.execute(select(Contact).join(Referral, Referral.id == Contact.referral_id)
                                  .where(Referral.citizen_id == person.id).order_by(Contact.id)).scalars()
    rows += [{_l("Klantcontact"): when(c.at, "stamp_long"), _l("Notitie"): c.notes} for c in contacts]
    ids = list(db.session.execute(_escalations_of(person)).scalars())
    escalations = db.session.execute(select(Escalation).where(Escalation.id.in_(ids)).order_by(Escalation.id)).scalars()
    events = db.session.execute(select(EscalationEvent).where(EscalationEvent.escalation_id.in_(ids),
                                                              EscalationEvent.text != "")
                                .order_by(EscalationEvent.id)).scalars().all()
    notes = db.session.execute(select(EscalationNote).where(EscalationNote.escalation_id.in_(ids))
                               .order_by(EscalationNote.id)).scalars().all()
    for e in escalations:
        rows.append({
            _l("Escalatie"): str(e.id), _l("Status"): str(e.status_label), _l("Vraag"): e.need,
            _l("Antwoord"): e.answer, _l("Op"): when(e.created_at, "stamp_long"),
            _l("Berichten"): " | ".join(ev.text for ev in events if ev.escalation_id == e.id),
            _l("Interne notities"): " | ".join(n.text for n in notes if n.escalation_id == e.id),
        })
    return rows


def _blank(escalation_ids: list[int], contact_referral_ids: list[int] = ()) -> int:
    if not escalation_ids and not contact_referral_ids:
        return 0
    done = 0
    if escalation_ids:
        done = db.session.execute(update(Escalation).where(Escalation.id.in_(escalation_ids)).values(need="", answer="")
                                  .execution_options(synchronize_session="fetch")).rowcount
        db.session.execute(update(EscalationCategory).where(EscalationCategory.escalation_id.in_(escalation_ids))
                           .values(other_text=None).execution_options(synchronize_session="fetch"))
        db.session.execute(update(EscalationEvent).where(EscalationEvent.escalation_id.in_(escalation_ids))
                           .values(text="").execution_options(synchronize_session="fetch"))
        db.session.execute(update(EscalationNote).where(EscalationNote.escalation_id.in_(escalation_ids))
                           .values(text="").execution_options(synchronize_session="fetch"))
    if contact_referral_ids:
        done += db.session.execute(update(Contact).where(Contact.referral_id.in_(contact_referral_ids))
                                   .values(notes="").execution_options(synchronize_session="fetch")).rowcount
        db.session.execute(update(ContactCategory).where(ContactCategory.contact_id.in_(
            select(Contact.id).where(Contact.referral_id.in_(contact_referral_ids)))).values(other_text=None)
            .execution_options(synchronize_session="fetch"))
    return done


def _erase(person: Person) -> int:
    # Escalations keep their codes, dates and clocks (the SLA reports count them); the texts go.
    referral_ids = list(db.session.execute(select(Referral.id).where(Referral.citizen_id == person.id)).scalars())
    return _blank(list(db.session.execute(_escalations_of(person)).scalars()), referral_ids)


def _due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(
        select(Escalation.id, Escalation.municipality_id, Referral.citizen_id, Referral.updated_at)
        .join(Referral, Referral.id == Escalation.referral_id)
        .where(Referral.status.in_((Status.CLOSED, Status.CANCELLED)), Referral.updated_at < cutoff,
               (Escalation.need != "") | (Escalation.answer != "") | Escalation.id.in_(
                   select(EscalationCategory.escalation_id).where(EscalationCategory.other_text.is_not(None))))).all()
    return [Due(eid, mid, "citizen", cid, since) for eid, mid, cid, since in rows]


def _expire(escalation_ids: list[int]) -> int:
    referral_ids = list(db.session.execute(select(Escalation.referral_id)
                                           .where(Escalation.id.in_(escalation_ids))).scalars())
    return _blank(escalation_ids, referral_ids)


# A contact of a referral without an escalation: its notes and "Anders" text go after the same term.
def _contacts_due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(
        select(Contact.referral_id, Referral.municipality_id, Referral.citizen_id, Referral.updated_at)
        .join(Referral, Referral.id == Contact.referral_id)
        .where(Referral.status.in_((Status.CLOSED, Status.CANCELLED)), Referral.updated_at < cutoff,
               (Contact.notes != "") | Contact.id.in_(
                   select(ContactCategory.contact_id).where(ContactCategory.other_text.is_not(None))))).all()
    return [Due(rid, mid, "citizen", cid, since) for rid, mid, cid, since in rows]


# Retention only (no person type): exported and erased with the escalations (_export, _erase).
register(Holding(
    code="contact", label=_l("Klantcontact: notities"), tables=("contact", "contact_category"), person_types=(),
    export=lambda p: [], erase=lambda p: 0, how=_l("tekst gewist (telt mee in rapportages)"),
    retention=Retention(setting="RETENTION_REFERRAL_MONTHS", default_months=12, start=_l("verwijzing afgesloten"),
                        due=_contacts_due, expire=lambda referral_ids: _blank([], referral_ids))))


register(Holding(
    code="escalation", label=_l("Klantcontact en escalaties naar de tweede lijn"),
    tables=("contact", "contact_category", "escalation", "escalation_category", "escalation_event",
            "escalation_note", "escalation_alert"),
    person_types=("citizen",), export=_export, erase=_erase, how=_l("geanonimiseerd (telt mee in rapportages)"),
    retention=Retention(setting="RETENTION_REFERRAL_MONTHS", default_months=12, start=_l("verwijzing afgesloten"),
                        due=_due, expire=_expire)))
