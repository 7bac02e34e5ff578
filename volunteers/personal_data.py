"""What volunteers holds about a person, registered with privacy.registry: the volunteer (a person
of their own), their VOG checks, buddy offers and pairings. Imported by app.py."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, delete, exists, func, literal, or_, select, update

from accounts.policy import get_scoped_or_404
from extensions import DomainError, db
from extensions.dates import when
from messaging.phone import parse_phone
from privacy.registry import (
    Due,
    Holding,
    Person,
    PersonType,
    Retention,
    register,
    register_erasure_check,
    register_person_type,
    register_sms_subjects,
)
from referrals.checks import normalise_postcode, refuse_bsn
from referrals.services import display_phone, parse_search
from volunteers.models import ERASED, BuddyOffer, BuddyPairing, BuddySearch, VogCheck, Volunteer


def _at(moment) -> str:
    return when(moment, "stamp_long") if moment else ""


def _person(v: Volunteer) -> Person:
    anonymised = v.erased
    return Person(type="volunteer", id=v.id, municipality_id=v.municipality_id, name=v.name,
                  phones=() if anonymised else (v.phone_e164,), address=v.postcode, anonymised=anonymised,
                  details={_l("Naam"): v.name, _l("Telefoon"): "" if anonymised else display_phone(v.phone_e164),
                           _l("Postcode"): v.postcode, _l("Taal"): v.language, _l("Status"): str(v.status_label),
                           _l("Notitie"): v.notes})


def _search(municipality_id: int, text: str) -> list[Person]:
    search = parse_search(text)
    if search is None or search.kind == "invalid":
        return []
    if search.kind == "phone":
        condition = Volunteer.phone_e164 == search.value
    elif search.kind == "postcode":
        condition = Volunteer.postcode == search.value
    else:
        condition = Volunteer.name.ilike(search.value.replace("%", "").replace("_", "") + "%")
    rows = db.session.execute(select(Volunteer).where(Volunteer.municipality_id == municipality_id, condition)
                              .order_by(Volunteer.name, Volunteer.id).limit(50)).scalars()
    return [_person(v) for v in rows]


def _get(volunteer_id: int, user=None) -> Person:
    return _person(get_scoped_or_404(Volunteer, volunteer_id, Volunteer.municipality_id, user=user))


FIELDS = {"name": _l("Naam"), "phone": _l("Telefoonnummer"), "postcode": _l("Postcode"),
          "language": _l("Taal (nl of en)")}


def _correct(person: Person, field: str, value: str) -> tuple[str, str]:
    v = db.session.get(Volunteer, person.id)
    value = " ".join((value or "").split())
    if field == "name":
        if not value:
            raise DomainError(_("Vul de naam in."), "value")
        refuse_bsn(value, "value")
        old, v.name = v.name, value[:120]
        return old, v.name
    if field == "phone":
        try:
            phone = parse_phone(value)
        except DomainError as err:
            raise DomainError(err.message, "value") from None
        if not phone.is_mobile:
            raise DomainError(_("Een vrijwilliger krijgt sms: vul een mobiel nummer in."), "value")
        old, v.phone_e164 = v.phone_e164, phone.e164
        return display_phone(old), display_phone(phone.e164)
    if field == "postcode":
        old, v.postcode = v.postcode, normalise_postcode(value, "value")
        v.pc4 = v.postcode[:4]
        return old, v.postcode
    if value.lower() not in ("nl", "en"):
        raise DomainError(_("Kies nl of en."), "value")
    old, v.language = v.language, value.lower()
    return old, v.language


def _log_subjects(volunteer_id: int) -> list[tuple[str, int]]:
    return []


def _phones(volunteer_id: int) -> tuple[str, ...]:
    phone = db.session.execute(select(Volunteer.phone_e164).where(Volunteer.id == volunteer_id)).scalar()
    return (phone,) if phone and not phone.startswith(ERASED) else ()


def _citizen_sms_subjects(citizen_id: int) -> list[tuple[str, int]]:
    """The volunteer's SMS that name the citizen (offer: the area; pairing: first name and number)."""
    offers = select(BuddyOffer.id).join(BuddySearch, BuddySearch.id == BuddyOffer.search_id).where(
        BuddySearch.citizen_id == citizen_id)
    pairings = select(BuddyPairing.id).join(BuddySearch, BuddySearch.id == BuddyPairing.search_id).where(
        BuddySearch.citizen_id == citizen_id)
    return ([("buddy_offer", i) for i in db.session.execute(offers).scalars()]
            + [("buddy_pairing", i) for i in db.session.execute(pairings).scalars()])


def _volunteer_sms_subjects(volunteer_id: int) -> list[tuple[str, int]]:
    """The citizen's SMS about a pairing name the volunteer (first name)."""
    return [("buddy_pairing", i) for i in db.session.execute(
        select(BuddyPairing.id).where(BuddyPairing.volunteer_id == volunteer_id)).scalars()]


def _buddy_going_on(*, volunteer_id: int | None = None, citizen_id: int | None = None) -> str | None:
    """A pairing or an offer still going on is ended first: erased, it would go on with a person
    that is no longer there (offers to a number that is no number, a pairing with a blank name)."""
    if volunteer_id is not None:
        pairing_of, offer_of = BuddyPairing.volunteer_id == volunteer_id, BuddyOffer.volunteer_id == volunteer_id
    else:
        searches = select(BuddySearch.id).where(BuddySearch.citizen_id == citizen_id)
        pairing_of, offer_of = BuddyPairing.search_id.in_(searches), BuddyOffer.search_id.in_(searches)
    going_on = or_(exists().where(pairing_of, BuddyPairing.status == "active"),
                   exists().where(offer_of, BuddyOffer.status.in_(("open", "accepted"))))
    if db.session.execute(select(going_on)).scalar():
        return _("Er loopt nog een maatje-koppeling of een aanbod. Rond die eerst af bij Maatjes, en wis dan.")
    return None


register_erasure_check("volunteer", lambda volunteer_id: _buddy_going_on(volunteer_id=volunteer_id))
register_erasure_check("citizen", lambda citizen_id: _buddy_going_on(citizen_id=citizen_id))
register_sms_subjects("citizen", _citizen_sms_subjects)
register_sms_subjects("volunteer", _volunteer_sms_subjects)

register_person_type(PersonType(code="volunteer", label=_l("Vrijwilliger"), search=_search, get=_get, fields=FIELDS,
                                correct=_correct, log_subjects=_log_subjects, phones=_phones))


# --- the volunteer's row ----------------------------------------------------------------------------------

def _anonymise(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(
        update(Volunteer).where(Volunteer.id.in_(ids), ~Volunteer.phone_e164.startswith(ERASED))
        .values(name="", phone_e164=literal(ERASED) + cast(Volunteer.id, String), postcode="", pc4="", notes="",
                confirm_code=None, status="stopped", phone_confirmed_at=None, vog_valid_until=None)
        .execution_options(synchronize_session="fetch")).rowcount


def _stopped_before(cutoff: datetime):
    return select(Volunteer.id, Volunteer.municipality_id, Volunteer.updated_at).where(
        Volunteer.status == "stopped", Volunteer.updated_at < cutoff)


def _volunteers_due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(_stopped_before(cutoff).where(~Volunteer.phone_e164.startswith(ERASED))).all()
    return [Due(vid, mid, "volunteer", vid, since) for vid, mid, since in rows]


register(Holding(
    code="volunteer", label=_l("Gegevens van de vrijwilliger"), tables=("volunteer",), person_types=("volunteer",),
    export=lambda p: [] if p.anonymised else [dict(p.details)], erase=lambda p: _anonymise([p.id]),
    how=_l("geanonimiseerd (telt mee in rapportages)"),
    retention=Retention(setting="RETENTION_VOLUNTEER_MONTHS", default_months=12, start=_l("gestopt als vrijwilliger"),
                        due=_volunteers_due, expire=_anonymise)))


# --- VOG checks ---------------------------------------------------------------------------------------------

def _export_vog(person: Person) -> list[dict]:
    rows = db.session.execute(select(VogCheck).where(VogCheck.volunteer_id == person.id).order_by(VogCheck.id)).scalars()
    return [{_l("VOG gezien"): _at(c.checked_at), _l("Datum VOG"): str(c.issued_on), _l("Uitkomst"): str(c.outcome_label)}
            for c in rows]


def _delete_vog(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(delete(VogCheck).where(VogCheck.id.in_(ids))).rowcount


def _vog_due(cutoff: datetime) -> list[Due]:
    stopped = _stopped_before(cutoff).subquery()
    rows = db.session.execute(select(VogCheck.id, stopped.c.municipality_id, VogCheck.volunteer_id, stopped.c.updated_at)
                              .join(stopped, stopped.c.id == VogCheck.volunteer_id)).all()
    return [Due(cid, mid, "volunteer", vid, since) for cid, mid, vid, since in rows]


register(Holding(
    code="vog_check", label=_l("VOG-controles"), tables=("volunteer_vog_check",), person_types=("volunteer",),
    export=_export_vog,
    erase=lambda p: _delete_vog(list(db.session.execute(select(VogCheck.id).where(VogCheck.volunteer_id == p.id))
                                     .scalars())),
    how=_l("gewist"),
    retention=Retention(setting="RETENTION_VOG_MONTHS", default_months=12, start=_l("gestopt als vrijwilliger"),
                        due=_vog_due, expire=_delete_vog)))


# --- buddy searches, offers and pairings ---------------------------------------------------------------

def _export_buddy(person: Person) -> list[dict]:
    if person.type == "citizen":
        searches = db.session.execute(select(BuddySearch).where(BuddySearch.citizen_id == person.id)
                                      .order_by(BuddySearch.id)).scalars().all()
        pairings = db.session.execute(select(BuddyPairing).where(
            BuddyPairing.search_id.in_([s.id for s in searches])).order_by(BuddyPairing.id)).scalars().all()
        rows = [{_l("Maatje gezocht"): _at(s.created_at), _l("Status"): str(s.status_label)} for s in searches]
    else:
        offers = db.session.execute(select(BuddyOffer).where(BuddyOffer.volunteer_id == person.id)
                                    .order_by(BuddyOffer.id)).scalars()
        rows = [{_l("Aanbod"): _at(o.created_at), _l("Status"): str(o.status_label), _l("Waarom"): o.reason}
                for o in offers]
        pairings = db.session.execute(select(BuddyPairing).where(BuddyPairing.volunteer_id == person.id)
                                      .order_by(BuddyPairing.id)).scalars().all()
    rows += [{_l("Koppeling"): _at(p.started_at), _l("Geëindigd"): _at(p.ended_at),
              _l("Reden einde"): str(p.end_reason_label)} for p in pairings]
    return rows


def _blank_pairings(ids: list[int]) -> int:
    if not ids:
        return 0
    done = db.session.execute(
        update(BuddyPairing).where(BuddyPairing.id.in_(ids), ~BuddyPairing.phone_e164.startswith(ERASED))
        .values(phone_e164=literal(ERASED) + cast(BuddyPairing.id, String))
        .execution_options(synchronize_session="fetch")).rowcount
    offer_ids = select(BuddyPairing.offer_id).where(BuddyPairing.id.in_(ids))
    _blank_offers(list(db.session.execute(offer_ids).scalars()))
    return done


def _blank_offers(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(
        update(BuddyOffer).where(BuddyOffer.id.in_(ids), ~BuddyOffer.phone_e164.startswith(ERASED))
        .values(phone_e164=literal(ERASED) + cast(BuddyOffer.id, String), reason="")
        .execution_options(synchronize_session="fetch")).rowcount


def _erase_buddy(person: Person) -> int:
    if person.type == "citizen":
        # Searches and pairings hold no data of the citizen (that is on his row); an offer's reason
        # names his area and language.
        searches = select(BuddySearch.id).where(BuddySearch.citizen_id == person.id)
        return db.session.execute(update(BuddyOffer).where(BuddyOffer.search_id.in_(searches), BuddyOffer.reason != "")
                                  .values(reason="").execution_options(synchronize_session="fetch")).rowcount
    pairings = list(db.session.execute(select(BuddyPairing.id).where(BuddyPairing.volunteer_id == person.id)).scalars())
    offers = list(db.session.execute(select(BuddyOffer.id).where(BuddyOffer.volunteer_id == person.id)).scalars())
    return _blank_pairings(pairings) + _blank_offers(offers)


def _pairings_due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(select(BuddyPairing.id, BuddyPairing.municipality_id, BuddyPairing.volunteer_id,
                                     BuddyPairing.ended_at)
                              .where(BuddyPairing.ended_at < cutoff,
                                     ~BuddyPairing.phone_e164.startswith(ERASED))).all()
    return [Due(pid, mid, "volunteer", vid, since) for pid, mid, vid, since in rows]


# An offer that did not become a pairing (said no, no answer, withdrawn): the volunteer's number
# and the reason (the citizen's area and language) go after its own term; an accepted offer's go
# with its pairing (_blank_pairings).
_UNPAIRED = ("declined", "timed_out", "withdrawn", "too_late", "cancelled")


def _offers_due(cutoff: datetime) -> list[Due]:
    closed = func.coalesce(BuddyOffer.answered_at, BuddyOffer.expires_at)
    rows = db.session.execute(select(BuddyOffer.id, BuddyOffer.municipality_id, BuddyOffer.volunteer_id, closed)
                              .where(BuddyOffer.status.in_(_UNPAIRED), closed < cutoff,
                                     ~BuddyOffer.phone_e164.startswith(ERASED))).all()
    # The offer is about the citizen too (the reason): a hold on either keeps it.
    return [Due(oid, mid, "volunteer", vid, since, subject=("buddy_offer", oid)) for oid, mid, vid, since in rows]


# Retention only (no person type): shown and erased with the buddy records (_export_buddy, _erase_buddy).
register(Holding(
    code="buddy_offer", label=_l("Maatjes: aanbod dat geen koppeling werd"), tables=("buddy_offer",),
    person_types=(), export=lambda p: [], erase=lambda p: 0,
    how=_l("nummer en reden gewist (telt mee in rapportages)"),
    retention=Retention(setting="RETENTION_BUDDY_OFFER_MONTHS", default_months=3, start=_l("aanbod afgesloten"),
                        due=_offers_due, expire=_blank_offers)))


register(Holding(
    code="buddy", label=_l("Maatjes: zoeken, aanbod en koppelingen"),
    tables=("buddy_search", "buddy_offer", "buddy_pairing", "buddy_visit"), person_types=("citizen", "volunteer"),
    export=_export_buddy, erase=_erase_buddy, how=_l("nummer gewist (telt mee in rapportages)"),
    retention=Retention(setting="RETENTION_BUDDY_PAIRING_MONTHS", default_months=24, start=_l("koppeling geëindigd"),
                        due=_pairings_due, expire=_blank_pairings)))
