"""A data set whose counts are known by construction: two agencies, two municipalities, calls,
referrals, appointments, visits and outcomes in March 2026 (and a few in February, the previous
period)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from counter.models import CounterVisit, Outcome
from extensions import clock, db
from helpdesk.models import Contact
from referrals.categories import add_standard_categories
from referrals.models import Appointment, Citizen, Location, Referral, Slot

MARCH = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)


@dataclass
class World:
    agency: object
    other_agency: object
    municipality: object
    other_municipality: object
    lead: object
    other_lead: object
    municipal_lead: object
    other_municipal_lead: object
    council: object


def _referral(agent, municipality, location, counter, at, n, *, visit=None, outcome=None, minutes=30):
    citizen = Citizen(name=f"Inwoner {n}", phone_e164=f"+3161{n:07d}", phone_is_mobile=True, postcode="3511 AB",
                      house_number="1", channel="sms", created_at=at)
    db.session.add(citizen)
    db.session.flush()
    referral = Referral(citizen_id=citizen.id, referring_org_id=agent.organisation_id, referred_by_id=agent.id,
                        municipality_id=municipality.id, owner_org_id=municipality.id, reason="other",
                        consent_at=at, consent_by_id=agent.id, created_at=at, updated_at=at,
                        status="booked" if visit is None else "attended")
    db.session.add(referral)
    db.session.flush()
    if visit is None:
        return referral
    starts = at + timedelta(days=2)
    slot = Slot(location_id=location.id, municipality_id=municipality.id, starts_at=starts + timedelta(minutes=n),
                ends_at=starts + timedelta(minutes=n + 30), capacity=1, booked=1)
    db.session.add(slot)
    db.session.flush()
    appointment = Appointment(referral_id=referral.id, slot_id=slot.id, location_id=location.id,
                              municipality_id=municipality.id, starts_at=starts, booked_by_id=agent.id,
                              status="attended" if visit == "checked_in" else "no_show", channel="sms", booked_at=at)
    db.session.add(appointment)
    db.session.flush()
    db.session.add(CounterVisit(appointment_id=appointment.id, referral_id=referral.id,
                                municipality_id=municipality.id, kind=visit, at=starts, by_user_id=counter.id))
    if outcome:
        db.session.add(Outcome(referral_id=referral.id, appointment_id=appointment.id, municipality_id=municipality.id,
                               minutes=minutes, result=outcome[0], solution=outcome[1],
                               recorded_at=starts + timedelta(days=2), recorded_by_id=counter.id))
        referral.result_code, referral.solution_code = outcome
    return referral


def _call(agent, at, solved, reason=None, categories=("digid_apply",), referral=None):
    contact = Contact(organisation_id=agent.organisation_id, agent_id=agent.id, at=at, solved=solved, reason=reason,
                      notes="", referral_id=referral.id if referral else None)
    contact.categorise((c, None) for c in categories)
    db.session.add(contact)


@pytest.fixture(autouse=True)
def standard_categories(app):
    """The standard question categories (all shared), so the tables name them."""
    add_standard_categories({})
    db.session.commit()


@pytest.fixture
def world(app, factory):
    clock.freeze(datetime(2026, 6, 15, 12, 0, tzinfo=UTC))
    agency = factory.org("agency", "Belastingdienst")
    other_agency = factory.org("agency", "SVB")
    municipality = factory.org("municipality", "Gemeente Utrecht")
    other_municipality = factory.org("municipality", "Gemeente Ede")
    agent = factory.user("agent", agency)
    other_agent = factory.user("agent", other_agency)
    counters = {m.id: factory.user("counter", m) for m in (municipality, other_municipality)}
    locations = {}
    for m in (municipality, other_municipality):
        locations[m.id] = Location(municipality_id=m.id, name="Balie", street="Plein 1", postcode="3511 AB",
                                   city="Utrecht")
        db.session.add(locations[m.id])
    db.session.flush()
    n = 0

    def referral(ag, m, at, **kw):
        nonlocal n
        n += 1
        return _referral(ag, m, locations[m.id], counters[m.id], at, n, **kw)

    # Belastingdienst, March: 10 calls, 4 solved; 6 not: no_device x3, no_letter x2, language x1;
    # 5 of those referred (3 to Utrecht, 2 to Ede).
    for _i in range(4):
        _call(agent, MARCH, True, categories=("aangifte",))
    r1 = referral(agent, municipality, MARCH, visit="checked_in", outcome=("solved", "none"), minutes=20)
    r2 = referral(agent, municipality, MARCH, visit="checked_in", outcome=("partly", "course"), minutes=40)
    r3 = referral(agent, municipality, MARCH, visit="no_show")
    r4 = referral(agent, other_municipality, MARCH, visit="checked_in", outcome=("solved", "buddy"), minutes=30)
    r5 = referral(agent, other_municipality, MARCH)
    for reason, ref in (("no_device", r1), ("no_device", r2), ("no_device", r3), ("no_letter", r4),
                        ("no_letter", r5), ("language", None)):
        _call(agent, MARCH, False, reason=reason, categories=("digid_apply", "toeslagen"), referral=ref)
    # February (the previous month): 2 unsolved no_device, 1 language.
    for reason in ("no_device", "no_device", "language"):
        _call(agent, FEBRUARY, False, reason=reason)
    # SVB, March: 3 calls, all unsolved "hearing", 2 referred to Utrecht with outcomes.
    s1 = referral(other_agent, municipality, MARCH, visit="checked_in", outcome=("not", "other"), minutes=60)
    s2 = referral(other_agent, municipality, MARCH, visit="no_show")
    for ref in (s1, s2, None):
        _call(other_agent, MARCH, False, reason="hearing", categories=("aow",), referral=ref)
    db.session.commit()
    return World(agency, other_agency, municipality, other_municipality, factory.user("lead", agency),
                 factory.user("lead", other_agency), factory.user("lead", municipality),
                 factory.user("coordinator", other_municipality), factory.user("council"))


def rows_of(table) -> dict:
    return {row[0]: row[1:] for row in table.all_rows}


def table(tables, key):
    return next(t for t in tables if t.key == key)
