"""Demo history for the reports: a year of calls at the Belastingdienst and the SVB, referrals to
Utrecht and Amersfoort with appointments, visits, outcomes and second-line escalations, so that
every chart has something to show; and a lead of Gemeente Utrecht. Inserted in bulk (a few thousand
rows in one go each), so `flask demo-data` stays quick. Runs last; idempotent."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select

from accounts.demo import DEMO_PASSWORD, first, organisation
from accounts.models import Organisation, Role, User
from accounts.passwords import hash_password
from accounts.services import new_session_token
from counter.models import CounterVisit, Outcome
from extensions import clock, db, unit_of_work
from extensions.dates import AMSTERDAM, is_working_day, local_today
from helpdesk.models import Contact, ContactCategory, Escalation, EscalationAlert, EscalationEvent
from referrals.categories import STANDARD
from referrals.models import Appointment, Citizen, Location, Referral, ReferralCategory, Slot, StatusChange
from referrals.vocabulary import REASONS

MUNICIPAL_LEAD = ("leiding@utrecht.demo.nl", "Lotte Leiding", Role.LEAD, "Gemeente Utrecht")
DAYS = 365
CALLS_PER_DAY = {"Belastingdienst": 5, "SVB": 2}
MARKER = "demo-historie"  # the notes of the first history call: the seed ran


@unit_of_work()
def seed() -> None:
    _municipal_lead()
    if first(Contact, Contact.notes == MARKER) is not None:
        return
    agents = {name: first(User, User.role == Role.AGENT, User.organisation_id == organisation(name).id)
              for name in CALLS_PER_DAY}
    places = [(first(Organisation, Organisation.name == name), pc4) for name, pc4 in
              (("Gemeente Utrecht", 3511), ("Gemeente Amersfoort", 3811))]
    counter = {m.id: first(User, User.organisation_id == m.id) for m, _pc in places if m is not None}
    locations = {m.id: first(Location, Location.municipality_id == m.id) for m, _pc in places if m is not None}
    if any(v is None for v in (*agents.values(), *counter.values(), *locations.values())) or not counter:
        return
    _history(random.Random(13), agents, places, counter, locations)


def _municipal_lead() -> None:
    email, name, role, org = MUNICIPAL_LEAD
    if first(User, User.email == email) is None:
        db.session.add(User(email=email, name=name, role=role, organisation_id=organisation(org).id,
                            password_hash=hash_password(DEMO_PASSWORD), session_token=new_session_token()))
        db.session.flush()


def _at(day, rng, start_hour=9, end_hour=16) -> datetime:
    return datetime.combine(day, time(rng.randrange(start_hour, end_hour), rng.choice((0, 15, 30, 45))),
                            AMSTERDAM).astimezone(clock.now().tzinfo)


def _history(rng, agents, places, counter, locations) -> None:
    today = local_today()
    reasons = list(REASONS)
    # Each agency's callers ask about the shared topics and the agency's own (never "Anders": it needs a text).
    topics = {agency: [code for code, _nl, _en, owner, other in STANDARD if not other and owner in (None, agency)]
              for agency in CALLS_PER_DAY}
    reason_weights = [6, 5, 4, 2, 1, 2, 1]
    contacts, contact_categories, referrals = [], [], []
    first_referral = (db.session.execute(select(Referral.id).order_by(Referral.id.desc()).limit(1)).scalar() or 0) + 1
    next_contact = (db.session.execute(select(Contact.id).order_by(Contact.id.desc()).limit(1)).scalar() or 0) + 1
    for back in range(DAYS, 6, -1):
        day = today - timedelta(days=back)
        if not is_working_day(day):
            continue
        for agency, per_day in CALLS_PER_DAY.items():
            agent = agents[agency]
            for _n in range(rng.randint(per_day - 1, per_day + 2)):
                at = _at(day, rng)
                solved = rng.random() < 0.55
                contacts.append(dict(id=next_contact, organisation_id=agent.organisation_id, agent_id=agent.id, at=at,
                                     solved=solved, reason=None if solved else rng.choices(reasons, reason_weights)[0],
                                     notes=MARKER if not contacts else "", referral_id=None))
                for code in rng.sample(topics[agency], rng.choice((1, 1, 2))):
                    contact_categories.append(dict(contact_id=next_contact, code=code,
                                                       organisation_id=agent.organisation_id, at=at))
                if not solved and rng.random() < 0.8:
                    contacts[-1]["referral_id"] = first_referral + len(referrals)
                    municipality, pc4 = rng.choice(places)
                    referrals.append((next_contact, agent, municipality, pc4, at, rng.random()))
                next_contact += 1
    _referrals(rng, first_referral, referrals, contact_categories, counter, locations)
    db.session.execute(insert(Contact), contacts)
    db.session.execute(insert(ContactCategory), contact_categories)


def _referrals(rng, base, referrals, contact_categories, counter, locations) -> None:
    categories_of: dict[int, list[str]] = {}
    for row in contact_categories:
        categories_of.setdefault(row["contact_id"], []).append(row["code"])
    base_citizen = (db.session.execute(select(Citizen.id).order_by(Citizen.id.desc()).limit(1)).scalar() or 0) + 1
    base_slot = (db.session.execute(select(Slot.id).order_by(Slot.id.desc()).limit(1)).scalar() or 0) + 1
    rows = {k: [] for k in ("citizen", "referral", "category", "history", "slot", "appointment", "visit", "outcome")}
    # The other seeds' slots too (the counter's, near today): a location has one slot per start.
    taken = set(db.session.execute(select(Slot.location_id, Slot.starts_at)
                                   .where(Slot.location_id.in_([loc.id for loc in locations.values()]))).tuples())
    now = clock.now()
    for n, (contact_id, agent, municipality, pc4, at, luck) in enumerate(referrals):
        rid, cid = base + n, base_citizen + n
        rows["citizen"].append(dict(id=cid, name=f"Demo-inwoner {n + 1}", phone_e164=f"+3161{n:07d}",
                                    phone_is_mobile=True, postcode=f"{pc4 + n % 15} AB", house_number=str(n % 90 + 1),
                                    channel="sms", created_at=at))
        location = locations[municipality.id]
        start = _slot_time(rng, at, location.id, taken)
        ended = start + timedelta(hours=2) < now
        status = "booked"
        outcome = None
        if ended:
            status = "no_show" if luck < 0.12 else "outcome_recorded" if luck < 0.85 else "attended"
        if luck > 0.97:
            status = "referred"
        rows["referral"].append(dict(
            id=rid, citizen_id=cid, referring_org_id=agent.organisation_id, referred_by_id=agent.id,
            municipality_id=municipality.id, owner_org_id=municipality.id, status=status,
            reason="other", notes="", consent_at=at, consent_by_id=agent.id, created_at=at, updated_at=at,
            result_code=None, solution_code=None, step_code=None,
            stale_since=now - timedelta(days=1) if status == "attended" and luck > 0.93 else None))
        for code in categories_of.get(contact_id, ["other"]):
            rows["category"].append(dict(referral_id=rid, code=code))
        rows["history"].append(dict(referral_id=rid, at=at, by_user_id=agent.id, from_status=None,
                                    to_status="referred", owner_org_id=municipality.id, note=""))
        if status == "referred":
            continue
        slot_id = base_slot + len(rows["slot"])
        rows["slot"].append(dict(id=slot_id, location_id=location.id, municipality_id=municipality.id,
                                 starts_at=start, ends_at=start + timedelta(minutes=30), capacity=1, booked=1))
        appointment_status = {"booked": "booked", "no_show": "no_show"}.get(status, "attended")
        appointment_id = _next_appointment(rows)
        rows["appointment"].append(dict(id=appointment_id, referral_id=rid, slot_id=slot_id, location_id=location.id,
                                        municipality_id=municipality.id, starts_at=start, status=appointment_status,
                                        channel="sms", booked_at=at, booked_by_id=agent.id))
        if status == "booked":
            continue
        by = counter[municipality.id]
        rows["visit"].append(dict(appointment_id=appointment_id, referral_id=rid, municipality_id=municipality.id,
                                  kind="no_show" if status == "no_show" else "checked_in", at=start, by_user_id=by.id))
        rows["history"].append(dict(referral_id=rid, at=start, by_user_id=by.id, from_status="referred",
                                    to_status=status, owner_org_id=municipality.id, note=""))
        if status == "outcome_recorded":
            result = rng.choices(("solved", "partly", "not"), (7, 2, 1))[0]
            solution = rng.choices(("none", "course", "buddy", "other", "escalation"), (10, 3, 2, 2, 1))[0]
            outcome = dict(referral_id=rid, appointment_id=appointment_id, municipality_id=municipality.id,
                           minutes=rng.choice((15, 20, 30, 30, 45, 60)), result=result, solution=solution,
                           notes="", recorded_at=start + timedelta(minutes=40), recorded_by_id=by.id)
            rows["outcome"].append(outcome)
            rows["referral"][-1].update(result_code=result, solution_code=solution)
    db.session.execute(insert(Citizen), rows["citizen"])
    db.session.execute(insert(Referral), rows["referral"])
    db.session.execute(insert(ReferralCategory), rows["category"])
    db.session.execute(insert(StatusChange), rows["history"])
    if rows["slot"]:
        db.session.execute(insert(Slot), rows["slot"])
        db.session.execute(insert(Appointment), rows["appointment"])
    if rows["visit"]:
        db.session.execute(insert(CounterVisit), rows["visit"])
    if rows["outcome"]:
        db.session.execute(insert(Outcome), rows["outcome"])
    _escalations(rng, rows["outcome"], rows["referral"])


def _next_appointment(rows) -> int:
    if not rows["appointment"]:
        last = db.session.execute(select(Appointment.id).order_by(Appointment.id.desc()).limit(1)).scalar() or 0
        return last + 1
    return rows["appointment"][-1]["id"] + 1


def _slot_time(rng, at: datetime, location_id: int, taken: set) -> datetime:
    """A free half hour on a working day one to ten working days after the call."""
    day = at.astimezone(AMSTERDAM).date() + timedelta(days=rng.randint(1, 10))
    while True:
        if is_working_day(day):
            for _try in range(14):
                start = datetime.combine(day, time(9 + _try // 2, 30 * (_try % 2)), AMSTERDAM).astimezone(at.tzinfo)
                if (location_id, start) not in taken:
                    taken.add((location_id, start))
                    return start
        day += timedelta(days=1)


def _escalations(rng, outcomes, referrals) -> None:
    """A second-line escalation for every outcome "escalation" to the Belastingdienst, closed, some late."""
    agency_of = {r["id"]: r["referring_org_id"] for r in referrals}
    bd = organisation("Belastingdienst").id
    base = (db.session.execute(select(Escalation.id).order_by(Escalation.id.desc()).limit(1)).scalar() or 0) + 1
    escalations, events, alerts = [], [], []
    now = clock.now()
    for outcome in outcomes:
        if outcome["solution"] != "escalation" or agency_of[outcome["referral_id"]] != bd:
            continue
        eid = base + len(escalations)
        sent = outcome["recorded_at"] + timedelta(hours=1)
        answered = sent + timedelta(hours=rng.choice((3, 20, 30, 50, 70)))
        closed = answered + timedelta(hours=rng.choice((2, 24, 100, 200)))
        done = closed < now
        escalations.append(dict(
            id=eid, referral_id=outcome["referral_id"], agency_id=bd, municipality_id=outcome["municipality_id"],
            status="closed" if done else "open", need="Demo: uitzoeken.", urgency="normal", created_at=sent,
            created_by_id=outcome["recorded_by_id"], sent_at=sent, result="solved" if done else None,
            answer="Opgelost." if done else "", closed_at=closed if done else None))
        events.append(dict(escalation_id=eid, at=sent, kind="sent", status="open", urgency="normal", text=""))
        if answered < now:
            events.append(dict(escalation_id=eid, at=answered, kind="answered", status="open", urgency="normal",
                               text="Demo-antwoord."))
        if done:
            events.append(dict(escalation_id=eid, at=closed, kind="closed", status="closed", urgency="normal", text=""))
        if answered - sent > timedelta(hours=48):
            alerts.append(dict(escalation_id=eid, agency_id=bd, clock_name="first_response", cycle=0, kind="breach",
                               at=sent + timedelta(hours=48)))
        if closed - sent > timedelta(hours=14 * 24):
            alerts.append(dict(escalation_id=eid, agency_id=bd, clock_name="resolution", cycle=0, kind="breach",
                               at=sent + timedelta(days=14)))
    if escalations:
        db.session.execute(insert(Escalation), escalations)
        db.session.execute(insert(EscalationEvent), events)
    if alerts:
        db.session.execute(insert(EscalationAlert), alerts)
