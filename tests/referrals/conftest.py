"""Fixtures for referrals and helpdesk: a participating municipality with a location and slots,
two agencies, a frozen clock on a Monday morning."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import pytest

from extensions import clock, db

# Monday 23 November 2026, 09:00 in Amsterdam (08:00 UTC).
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@dataclass
class World:
    municipality: object
    other_municipality: object
    location: object
    agency: object
    other_agency: object
    agent: object
    colleague: object
    other_agent: object
    counter: object
    coordinator: object
    other_counter: object
    lead: object


def make_location(municipality, *, counters=1, slot_minutes=30, hours=None, name="Stadskantoor"):
    from referrals.models import Location, OpeningHours
    from referrals.slots import sync_location
    location = Location(municipality_id=municipality.id, name=name, street="Stadsplein 1", postcode="3511 AA",
                        city="Utrecht", phone="030 123 4567", slot_minutes=slot_minutes, counters=counters)
    for weekday, ranges in (hours or {d: [(time(9), time(12))] for d in range(5)}).items():
        for opens, closes in ranges:
            location.hours.append(OpeningHours(weekday=weekday, opens=opens, closes=closes))
    db.session.add(location)
    db.session.flush()
    sync_location(location)
    db.session.commit()
    return location


@pytest.fixture
def world(app, factory):
    from referrals.services import set_areas
    clock.freeze(MONDAY)
    municipality = factory.org("municipality", name="Gemeente Utrecht")
    other_municipality = factory.org("municipality", name="Gemeente Amersfoort")
    set_areas(municipality.id, ["3511", "3512"])
    set_areas(other_municipality.id, ["3811"])
    db.session.commit()
    location = make_location(municipality)
    make_location(other_municipality, name="Stadhuis Amersfoort")
    agency = factory.org("agency", name="Belastingdienst")
    other_agency = factory.org("agency", name="SVB")
    # Services give their messages in the interface language, which needs a request (as in the app).
    users = dict(
        agent=factory.user("agent", agency), colleague=factory.user("agent", agency),
        other_agent=factory.user("agent", other_agency), counter=factory.user("counter", municipality),
        coordinator=factory.user("coordinator", municipality),
        other_counter=factory.user("counter", other_municipality), lead=factory.user("lead", agency))
    with app.test_request_context():
        yield World(municipality=municipality, other_municipality=other_municipality, location=location,
                    agency=agency, other_agency=other_agency, **users)


REFERRAL_FORM = {
    "name": "Jan de Vries", "phone": "06 12345678", "postcode": "3512ab", "house_number": "14",
    "channel": "sms", "language": "nl", "municipality_id": "0", "notes": "Heeft de brief al.",
    "consent": "y", "street": "", "city": "", "helper_name": "", "helper_relation": "", "helper_phone": "",
}


def referral_input(**overrides):
    from referrals.services import ReferralInput
    data = dict(name="Jan de Vries", phone="06 12345678", postcode="3512 AB", house_number="14", channel="sms",
                language="nl", categories=["digid_apply"], reason="no_device", notes="", consent=True)
    data.update(overrides)
    return ReferralInput(**data)


def make_referral(user, **overrides):
    from referrals.services import create_referral
    return create_referral(referral_input(**overrides), actor=user)
