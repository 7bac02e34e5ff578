"""Fixtures of the counter and the courses: a municipality with a location and slots, a
second municipality, an agency, users, and referrals booked for today. Frozen on a Monday morning."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import pytest

from extensions import clock, db
from referrals.categories import add_standard_categories
from tests.referrals.conftest import make_location

# Monday 23 November 2026, 09:00 in Amsterdam (08:00 UTC).
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def standard_categories(app):
    """The standard question categories (all shared), so the pages name them."""
    add_standard_categories({})
    db.session.commit()


@dataclass
class Town:
    municipality: object
    other_municipality: object
    location: object
    other_location: object
    agency: object
    agent: object
    lead: object
    counter: object
    coordinator: object
    other_counter: object
    other_coordinator: object


def _location(municipality, name):
    return make_location(municipality, counters=2, name=name,
                         hours={weekday: [(time(9), time(16))] for weekday in range(5)})


@pytest.fixture
def town(app, factory):
    from referrals.services import set_areas
    clock.freeze(MONDAY)
    municipality = factory.org("municipality", name="Gemeente Utrecht")
    other = factory.org("municipality", name="Gemeente Amersfoort")
    set_areas(municipality.id, ["3511", "3512"])
    set_areas(other.id, ["3811"])
    db.session.commit()
    location = _location(municipality, "Stadskantoor")
    other_location = _location(other, "Stadhuis Amersfoort")
    agency = factory.org("agency", name="Belastingdienst")
    users = dict(agent=factory.user("agent", agency), lead=factory.user("lead", agency),
                 counter=factory.user("counter", municipality), coordinator=factory.user("coordinator", municipality),
                 other_counter=factory.user("counter", other), other_coordinator=factory.user("coordinator", other))
    with app.test_request_context():
        yield Town(municipality=municipality, other_municipality=other, location=location,
                   other_location=other_location, agency=agency, **users)
    clock.freeze(None)


def booked(town, *, slot_index=1, **overrides):
    """A referral by the agent with an appointment today at the town's location. Returns the
    appointment (its referral_id leads to the referral)."""
    from referrals.services import ReferralInput, book, create_referral, free_slots
    data = dict(name="Jan de Vries", phone="06 12345678", postcode="3512 AB", house_number="14", channel="sms",
                language="nl", categories=["digid_apply"], reason="no_device",
                notes="Heeft de activeringsbrief bij zich.", consent=True)
    data.update(overrides)
    referral = create_referral(ReferralInput(**data), actor=town.agent)
    slot = free_slots(town.municipality.id, location_id=town.location.id, limit=slot_index + 1)[slot_index]
    return book(referral, slot.id, actor=town.agent, letter_late_ok=True)  # a letter citizen booked soon


def checked_in(town, **overrides):
    from counter.services import check_in
    appointment = booked(town, **overrides)
    check_in(appointment, actor=town.counter)
    return appointment


def plan(town, *, capacity=8, days_ahead=7, sessions=4, municipality=None, location=None):
    from datetime import timedelta

    from courses.services import CourseInput, plan_course
    from extensions.dates import local_today
    municipality = municipality or town.municipality
    location = location or town.location
    return plan_course(municipality.id, CourseInput(
        title="Digisterker basis", location_id=location.id, capacity=capacity,
        first_day=local_today() + timedelta(days=days_ahead), starts=time(10), ends=time(12), sessions=sessions,
        intake_note="Neem uw telefoon mee."), actor=town.coordinator)
