"""What messaging holds about a person, registered with privacy.registry: the SMS sent to their
number by their municipality (and those to others that tell about them: a helper's copy, a buddy's
SMS; registry.register_sms_subjects), the SMS received from it, and a STOP (opt-out) of the number.
Imported by app.py with the other contexts' registrations."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, func, or_, select, update

from extensions import db
from extensions.dates import when
from messaging.models import FINAL, InboundMessage, OutboxMessage, SmsOptOut, SmsStatus
from messaging.services import REASON_CODES
from privacy.registry import Due, Holding, Person, Retention, register, sms_subjects_of

_BLANKED = _l("tekst en nummer gewist (telt mee in rapportages)")


def _at(moment: datetime | None) -> str:
    return when(moment, "stamp_long") if moment else ""


def _sent(person: Person):
    """The SMS to the person's numbers, and those to anyone that tell about the person (a helper's
    copy, a buddy's SMS naming the citizen: registry.register_sms_subjects)."""
    about = [and_(OutboxMessage.subject_type == subject_type, OutboxMessage.subject_id.in_(ids))
             for subject_type, ids in sms_subjects_of(person.type, person.id).items()]
    return select(OutboxMessage).where(or_(OutboxMessage.to_e164.in_(person.phones), *about),
                                       OutboxMessage.organisation_id == person.municipality_id)


def _export_sent(person: Person) -> list[dict]:
    return [{_l("Sms"): str(m.id), _l("Aangemaakt"): _at(m.created_at), _l("Verstuurd"): _at(m.sent_at),
             _l("Status"): m.status, _l("Tekst"): m.body}
            for m in db.session.execute(_sent(person).order_by(OutboxMessage.id)).scalars()]


ERASED_REASON = "Ingetrokken: de gegevens zijn gewist."


def _blank_sent(ids: list[int]) -> int:
    """Body and number go. A message still queued is withdrawn, never sent (an erasure reaches it;
    retention only takes final ones). Our own reasons stay (the outbox still says why); a
    provider's own text may quote the number."""
    if not ids:
        return 0
    queued = OutboxMessage.status == SmsStatus.QUEUED
    ours = OutboxMessage.error_code.in_(sorted(REASON_CODES))
    return db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
        body="", to_e164="",
        status=case((queued, SmsStatus.WITHDRAWN.value), else_=OutboxMessage.status),
        error_code=case((queued, "withdrawn"), else_=OutboxMessage.error_code),
        error_reason=case((queued, ERASED_REASON), (ours, OutboxMessage.error_reason)),
        next_attempt_at=case((queued, None), else_=OutboxMessage.next_attempt_at),
    ).execution_options(synchronize_session="fetch")).rowcount


def _erase_sent(person: Person) -> int:
    return _blank_sent(list(db.session.execute(_sent(person).with_only_columns(OutboxMessage.id)).scalars()))


def _sent_due(cutoff: datetime) -> list[Due]:
    # Only messages that reached their final status: a queued one is still needed to send it.
    moment = func.coalesce(OutboxMessage.sent_at, OutboxMessage.status_changed_at)
    rows = db.session.execute(select(OutboxMessage.id, OutboxMessage.organisation_id, moment, OutboxMessage.to_e164,
                                     OutboxMessage.subject_type, OutboxMessage.subject_id)
                              .where(OutboxMessage.status.in_(sorted(FINAL)), moment < cutoff,
                                     OutboxMessage.to_e164 != "")).all()
    return [Due(mid, org, None, None, since, phone, (kind, about) if kind else None)
            for mid, org, since, phone, kind, about in rows]


register(Holding(
    code="sms_message", label=_l("Sms-berichten aan of over de persoon"), tables=("sms_message",),
    person_types=("citizen", "volunteer"), export=_export_sent, erase=_erase_sent, how=_BLANKED,
    retention=Retention(setting="RETENTION_SMS_MONTHS", default_months=3, start=_l("sms verstuurd"),
                        due=_sent_due, expire=_blank_sent)))


def _received(person: Person):
    return select(InboundMessage).where(InboundMessage.from_e164.in_(person.phones))


def _export_received(person: Person) -> list[dict]:
    if not person.phones:
        return []
    return [{_l("Ontvangen"): _at(m.received_at), _l("Tekst"): m.body, _l("Ons antwoord"): m.reply or ""}
            for m in db.session.execute(_received(person).order_by(InboundMessage.id)).scalars()]


def _blank_received(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(update(InboundMessage).where(InboundMessage.id.in_(ids))
                              .values(body="", from_e164="", reply=None)
                              .execution_options(synchronize_session="fetch")).rowcount


def _erase_received(person: Person) -> int:
    if not person.phones:
        return 0
    return _blank_received(list(db.session.execute(_received(person).with_only_columns(InboundMessage.id)).scalars()))


def _received_due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(select(InboundMessage.id, InboundMessage.received_at, InboundMessage.from_e164).where(
        InboundMessage.received_at < cutoff, InboundMessage.from_e164 != "")).all()
    # Inbound SMS name no municipality: the preview counts them for none, the job still expires them.
    return [Due(mid, None, None, None, since, phone) for mid, since, phone in rows]


register(Holding(
    code="sms_inbound", label=_l("Sms-berichten van de persoon"), tables=("sms_inbound",),
    person_types=("citizen", "volunteer"), export=_export_received, erase=_erase_received, how=_BLANKED,
    retention=Retention(setting="RETENTION_SMS_MONTHS", default_months=3, start=_l("sms ontvangen"),
                        due=_received_due, expire=_blank_received)))


def _export_opt_out(person: Person) -> list[dict]:
    if not person.phones:
        return []
    rows = db.session.execute(select(SmsOptOut).where(SmsOptOut.phone_e164.in_(person.phones))).scalars()
    return [{_l("Geen sms meer"): str(_l("ja") if o.opted_out else _l("nee")), _l("Sinds"): _at(o.changed_at)}
            for o in rows]


def _erase_opt_out(person: Person) -> int:
    if not person.phones:
        return 0
    return db.session.execute(delete(SmsOptOut).where(SmsOptOut.phone_e164.in_(person.phones))).rowcount


# Kept as long as the number says STOP: that is its purpose; an erasure removes it with the number.
register(Holding(
    code="sms_opt_out", label=_l("Afmelding voor sms (STOP)"), tables=("sms_opt_out",),
    person_types=("citizen", "volunteer"), export=_export_opt_out, erase=_erase_opt_out, how=_l("gewist")))
