"""What referrals holds about a person, registered with privacy.registry: the citizen (and the helper
kept on the citizen's row), their referrals with appointments and history, and the tasks about them.
Imported by app.py with the other contexts' registrations."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select, update

from accounts.models import Organisation
from accounts.policy import get_scoped_or_404
from extensions import DomainError, clock, db
from extensions.dates import when
from messaging.phone import parse_phone
from privacy.registry import (
    Due,
    Holding,
    Person,
    PersonType,
    Retention,
    not_personal,
    register,
    register_person_type,
    register_sms_subjects,
)
from referrals.checks import normalise_house_number, normalise_postcode, refuse_bsn
from referrals.models import Appointment, Citizen, Location, Referral, ReferralCategory, Task
from referrals.services import display_phone, parse_search, search_condition
from referrals.vocabulary import CHANNELS, LANGUAGES, Channel, Status

ANONYMISED = _l("geanonimiseerd (telt mee in rapportages)")
ERASED = _l("gewist")
_ENDED = (Status.CLOSED, Status.CANCELLED)


def _at(moment: datetime | None) -> str:
    return when(moment, "stamp_long") if moment else ""


# --- the citizen as a person ----------------------------------------------------------------------------

def _person(citizen: Citizen) -> Person:
    details = {
        _l("Naam"): citizen.name, _l("Telefoon"): display_phone(citizen.phone_e164),
        _l("Postcode"): citizen.postcode, _l("Huisnummer"): citizen.house_number, _l("Straat"): citizen.street,
        _l("Woonplaats"): citizen.city, _l("Hoe bereiken"): citizen.channel_label,
        _l("Taal"): citizen.language_label,
        _l("Ondersteuning"): ", ".join(str(n) for n in citizen.support_needs),
    }
    if citizen.helper_name or citizen.helper_phone_e164:
        details[_l("Helper")] = " ".join(filter(None, (citizen.helper_name, citizen.helper_relation and
                                                       f"({citizen.helper_relation})",
                                                       display_phone(citizen.helper_phone_e164))))
    return Person(type="citizen", id=citizen.id, municipality_id=citizen.municipality_id, name=citizen.name,
                  phones=tuple(p for p in (citizen.phone_e164,) if p),
                  address=" ".join(filter(None, (citizen.street, citizen.house_number, citizen.postcode, citizen.city))),
                  anonymised=citizen.anonymised_at is not None, details=details)


def _search(municipality_id: int, text: str) -> list[Person]:
    search = parse_search(text)
    if search is None or search.kind == "invalid":
        return []
    condition = search_condition(search)
    if search.kind == "phone":  # a helper is a person too: found by their number on the citizen they help
        condition = or_(condition, Citizen.helper_phone_e164 == search.value)
    rows = db.session.execute(select(Citizen).where(Citizen.municipality_id == municipality_id, condition)
                              .order_by(Citizen.name, Citizen.id).limit(50)).scalars()
    return [_person(c) for c in rows]


def _get(citizen_id: int, user=None) -> Person:
    return _person(get_scoped_or_404(Citizen, citizen_id, Citizen.municipality_id, user=user))


FIELDS = {"name": _l("Naam"), "phone": _l("Telefoonnummer"), "postcode": _l("Postcode"),
          "house_number": _l("Huisnummer"), "street": _l("Straat"), "city": _l("Woonplaats"),
          "channel": _l("Hoe bereiken (sms, telefoontje, brief)"), "language": _l("Taal (nl of en)"),
          "helper_name": _l("Naam van de helper"), "helper_phone": _l("Telefoonnummer van de helper")}


def _correct(person: Person, field: str, value: str) -> tuple[str, str]:
    citizen = db.session.get(Citizen, person.id)
    value = " ".join((value or "").split())
    if field in ("name", "street", "city", "helper_name"):
        if field == "name" and not value:
            raise DomainError(_("Vul de naam in."), "value")
        refuse_bsn(value, "value")
        old = getattr(citizen, field)
        setattr(citizen, field, value[:120 if field != "city" else 80])
        return old, getattr(citizen, field)
    if field in ("phone", "helper_phone"):
        attr = "phone_e164" if field == "phone" else "helper_phone_e164"
        old = getattr(citizen, attr)
        if field == "helper_phone" and not value:
            citizen.helper_phone_e164 = ""
            return display_phone(old), ""
        try:
            phone = parse_phone(value)
        except DomainError as err:
            raise DomainError(err.message, "value") from None
        setattr(citizen, attr, phone.e164)
        if field == "phone":
            citizen.phone_is_mobile = phone.is_mobile
            if not phone.is_mobile and citizen.channel == Channel.SMS:
                citizen.channel = Channel.PHONE  # a landline gets no SMS
        return display_phone(old), display_phone(phone.e164)
    if field == "postcode":
        old, citizen.postcode = citizen.postcode, normalise_postcode(value, "value")
        return old, citizen.postcode
    if field == "house_number":
        old, citizen.house_number = citizen.house_number, normalise_house_number(value, "value")
        return old, citizen.house_number
    if field == "channel":
        code = {str(label).lower(): code for code, label in CHANNELS.items()}.get(value.lower(), value.lower())
        if code not in CHANNELS:
            raise DomainError(_("Kies sms, telefoontje of brief."), "value")
        if code == Channel.SMS and not citizen.phone_is_mobile:
            raise DomainError(_("Dit is een vast nummer: daar kan geen sms naartoe."), "value")
        old, citizen.channel = citizen.channel, code
        return str(CHANNELS[old]), str(CHANNELS[code])
    code = value.lower()  # language
    if code not in LANGUAGES:
        raise DomainError(_("Kies nl of en."), "value")
    old, citizen.language = citizen.language, code
    return old, code


def _log_subjects(citizen_id: int) -> list[tuple[str, int]]:
    return [("referral", rid) for rid in _referral_ids(citizen_id)]


def _referral_ids(citizen_id: int) -> list[int]:
    return list(db.session.execute(select(Referral.id).where(Referral.citizen_id == citizen_id)
                                   .order_by(Referral.id)).scalars())


def _phones(citizen_id: int) -> tuple[str, ...]:
    phone = db.session.execute(select(Citizen.phone_e164).where(Citizen.id == citizen_id)).scalar()
    return (phone,) if phone else ()


def _sms_subjects(citizen_id: int) -> list[tuple[str, int]]:
    """A helper's copy of the appointment SMS goes to the helper's number, and names the citizen;
    the citizen's own may have gone to a number he has since corrected."""
    return [("appointment", i) for i in db.session.execute(
        select(Appointment.id).join(Referral, Referral.id == Appointment.referral_id)
        .where(Referral.citizen_id == citizen_id)).scalars()]


register_sms_subjects("citizen", _sms_subjects)
register_person_type(PersonType(code="citizen", label=_l("Inwoner"), search=_search, get=_get, fields=FIELDS,
                                correct=_correct, log_subjects=_log_subjects, phones=_phones))


# --- the citizen's own row ----------------------------------------------------------------------------------

def _export_citizen(person: Person) -> list[dict]:
    return [dict(person.details)] if not person.anonymised else []


def _anonymise_citizens(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(
        update(Citizen).where(Citizen.id.in_(ids), Citizen.anonymised_at.is_(None))
        .values(name="", phone_e164="", phone_is_mobile=False, postcode="", house_number="", street="", city="",
                reads_poorly=False, hard_of_hearing=False, needs_interpreter=False, brings_helper=False,
                helper_name="", helper_relation="", helper_phone_e164="", anonymised_at=clock.now())
        .execution_options(synchronize_session="fetch")).rowcount


def _citizens_due(cutoff: datetime) -> list[Due]:
    """Citizens whose every referral ended (closed or cancelled) before the cutoff."""
    last = func.max(Referral.updated_at)
    still_open = func.sum(case((Referral.status.in_(_ENDED), 0), else_=1))
    rows = db.session.execute(
        select(Citizen.id, Citizen.municipality_id, last).join(Referral, Referral.citizen_id == Citizen.id)
        .where(Citizen.anonymised_at.is_(None)).group_by(Citizen.id, Citizen.municipality_id)
        .having(last < cutoff, still_open == 0)).all()
    return [Due(cid, mid, "citizen", cid, since) for cid, mid, since in rows]


register(Holding(
    code="citizen", label=_l("Persoonsgegevens van de inwoner (en helper)"), tables=("citizen",),
    person_types=("citizen",), export=_export_citizen, erase=lambda p: _anonymise_citizens([p.id]), how=ANONYMISED,
    retention=Retention(setting="RETENTION_CITIZEN_MONTHS", default_months=12,
                        start=_l("laatste verwijzing afgesloten"), due=_citizens_due, expire=_anonymise_citizens)))


# --- referrals, with their appointments and history ----------------------------------------------------

def _export_referrals(person: Person) -> list[dict]:
    rows = db.session.execute(
        select(Referral, Organisation.name).join(Organisation, Organisation.id == Referral.referring_org_id)
        .where(Referral.citizen_id == person.id).order_by(Referral.id)).all()
    appointments = db.session.execute(
        select(Appointment.referral_id, Appointment.starts_at, Appointment.status, Location.name)
        .join(Location, Location.id == Appointment.location_id)
        .where(Appointment.referral_id.in_([r.id for r, _name in rows])).order_by(Appointment.id)).all()
    result = []
    for referral, agency in rows:
        result.append({
            _l("Verwijzing"): str(referral.id), _l("Van"): agency, _l("Op"): _at(referral.created_at),
            _l("Status"): str(referral.status_label), _l("Waarom"): str(referral.reason_label),
            _l("Notitie"): referral.notes,
            _l("Afspraken"): "; ".join(f"{_at(at)}, {place} ({status})" for rid, at, status, place in appointments
                                       if rid == referral.id),
        })
    return result


def _blank_referral_notes(ids: list[int]) -> int:
    """The referrals' free text: the agent's notes and the text of an "Anders" category."""
    if not ids:
        return 0
    db.session.execute(update(ReferralCategory).where(ReferralCategory.referral_id.in_(ids),
                                                      ReferralCategory.other_text.is_not(None))
                       .values(other_text=None).execution_options(synchronize_session="fetch"))
    return db.session.execute(update(Referral).where(Referral.id.in_(ids), Referral.notes != "").values(notes="")
                              .execution_options(synchronize_session="fetch")).rowcount


# A referral still holding free text (the retention job's condition).
_HAS_TEXT = or_(Referral.notes != "", Referral.id.in_(select(ReferralCategory.referral_id)
                                                       .where(ReferralCategory.other_text.is_not(None))))


def _referrals_due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(
        select(Referral.id, Referral.municipality_id, Referral.citizen_id, Referral.updated_at)
        .where(Referral.status.in_(_ENDED), Referral.updated_at < cutoff, _HAS_TEXT)).all()
    return [Due(rid, mid, "citizen", cid, since) for rid, mid, cid, since in rows]


def _erase_referrals(person: Person) -> int:
    # The referral keeps its codes, dates and status (reports count it); its free text goes.
    _blank_referral_notes(_referral_ids(person.id))
    return len(_referral_ids(person.id))


register(Holding(
    code="referral", label=_l("Verwijzingen, afspraken en hun geschiedenis"),
    tables=("referral", "referral_category", "referral_status_change", "appointment"), person_types=("citizen",),
    export=_export_referrals, erase=_erase_referrals, how=ANONYMISED,
    retention=Retention(setting="RETENTION_REFERRAL_MONTHS", default_months=12, start=_l("verwijzing afgesloten"),
                        due=_referrals_due, expire=_blank_referral_notes)))


# --- tasks (calls and letters) --------------------------------------------------------------------------

def _export_tasks(person: Person) -> list[dict]:
    tasks = db.session.execute(select(Task).join(Referral, Referral.id == Task.referral_id)
                               .where(Referral.citizen_id == person.id).order_by(Task.id)).scalars()
    return [{_l("Taak"): str(t.id), _l("Soort"): str(t.kind_label), _l("Reden"): str(t.reason_label),
             _l("Op"): _at(t.created_at), _l("Tekst"): t.description, _l("Gedaan"): _at(t.done_at)} for t in tasks]


def _blank_tasks(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(update(Task).where(Task.id.in_(ids)).values(description="")
                              .execution_options(synchronize_session="fetch")).rowcount


def _erase_tasks(person: Person) -> int:
    ids = list(db.session.execute(select(Task.id).join(Referral, Referral.id == Task.referral_id)
                                  .where(Referral.citizen_id == person.id)).scalars())
    return _blank_tasks(ids)


def _tasks_due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(
        select(Task.id, Task.municipality_id, Referral.citizen_id, Task.done_at)
        .outerjoin(Referral, Referral.id == Task.referral_id)
        .where(Task.done_at < cutoff, Task.description != "")).all()
    return [Due(tid, mid, "citizen" if cid else None, cid, since) for tid, mid, cid, since in rows]


register(Holding(
    code="task", label=_l("Taken: telefoontjes en brieven"), tables=("task",), person_types=("citizen",),
    export=_export_tasks, erase=_erase_tasks, how=ANONYMISED,
    retention=Retention(setting="RETENTION_TASK_MONTHS", default_months=12, start=_l("taak gedaan"),
                        due=_tasks_due, expire=_blank_tasks)))

not_personal("location", "the phone of a municipal counter location, not of a person")
not_personal("municipality_area", "postcode areas (four digits) of a municipality")
