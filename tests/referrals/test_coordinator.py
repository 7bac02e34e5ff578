"""The coordinator keeps locations, opening hours and closures; slots follow."""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import func, select

from extensions import db
from extensions.dates import AMSTERDAM
from referrals.models import Closure, Location, OpeningHours, Slot
from referrals.services import book, free_slots
from tests.referrals.conftest import make_referral


def _slots(location_id):
    return db.session.execute(select(func.count()).select_from(Slot).where(Slot.location_id == location_id)
                              ).scalar_one()


def test_new_location_with_hours_makes_slots(world, client, login, post_form):
    login(client, world.coordinator)
    assert client.get("/gemeente/locaties").status_code == 200
    response = post_form(client, "/gemeente/locaties/nieuw", {
        "name": "Bibliotheek", "street": "Oudegracht 1", "postcode": "3511ab", "city": "Utrecht",
        "phone": "030 111 2233", "slot_minutes": "60", "counters": "2", "what_to_bring": "ID", "active": "y"})
    assert response.status_code == 302
    location = db.session.execute(select(Location).where(Location.name == "Bibliotheek")).scalar_one()
    assert location.postcode == "3511 AB" and location.municipality_id == world.municipality.id
    assert _slots(location.id) == 0
    url = f"/gemeente/locaties/{location.id}/openingstijden"
    response = post_form(client, url, {"day2_opens": "10:00", "day2_closes": "12:00"})
    assert response.status_code == 302
    db.session.expire_all()
    # Wednesdays 10-12 with one-hour slots: 2 a week, six weeks.
    assert _slots(location.id) == 12
    assert db.session.execute(select(Slot.capacity).where(Slot.location_id == location.id)).scalars().first() == 2
    page = client.get(f"/gemeente/locaties/{location.id}").get_data(as_text=True)
    assert "woensdag 25 november" in page


def test_location_and_hours_validation(world, client, login, post_form):
    login(client, world.coordinator)
    response = post_form(client, "/gemeente/locaties/nieuw", {
        "name": "", "street": "x", "postcode": "12", "city": "Utrecht", "phone": "12", "slot_minutes": "1",
        "counters": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vul de naam van de locatie in." in page and "geen geldige postcode" in page
    assert "Kies een duur van 5 tot 240 minuten." in page
    long_street = post_form(client, "/gemeente/locaties/nieuw", {
        "name": "Wijkcentrum", "street": "Burgemeester van Nieuwenhuijsenstraat 1124 bis", "postcode": "3511 AA",
        "city": "Utrecht", "phone": "030 123 4567", "slot_minutes": "30", "counters": "1"})
    assert long_street.status_code == 422
    assert "hoogstens 38 tekens" in long_street.get_data(as_text=True)  # it must fit the SMS
    url = f"/gemeente/locaties/{world.location.id}/openingstijden"
    response = post_form(client, url, {"day0_opens": "12:00", "day0_closes": "09:00"})
    assert response.status_code == 422
    assert "voor de sluitingstijd" in response.get_data(as_text=True)
    response = post_form(client, url, {"day0_opens": "12:00"})
    assert response.status_code == 422
    assert len(world.location.hours) == 5  # unchanged


def test_closure_through_the_page_and_removal(world, client, login, post_form):
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, from_day=date(2026, 11, 26), limit=1)[0]
    appointment = book(referral, slot.id, actor=world.agent)
    login(client, world.coordinator)
    url = f"/gemeente/locaties/{world.location.id}/sluitingen"
    page = client.get(url).get_data(as_text=True)
    assert "25 december" in page  # the holidays it closes by itself are listed
    response = post_form(client, url, {"starts_on": "2026-11-26", "ends_on": "2026-11-27", "reason": "Verhuizing"})
    assert response.status_code == 200  # stays: an appointment must be rescheduled
    assert f"/afspraken/{appointment.id}/verzetten" in response.get_data(as_text=True)
    days = {s.astimezone(AMSTERDAM).date() for s in db.session.execute(
        select(Slot.starts_at).where(Slot.location_id == world.location.id, Slot.booked == 0)).scalars()}
    assert date(2026, 11, 26) not in days and date(2026, 11, 27) not in days
    closure = db.session.execute(select(Closure)).scalar_one()
    response = post_form(client, f"{url}/{closure.id}/verwijderen", {}, get_url=url)
    assert response.status_code == 302
    days = {s.astimezone(AMSTERDAM).date() for s in db.session.execute(
        select(Slot.starts_at).where(Slot.location_id == world.location.id)).scalars()}
    assert date(2026, 11, 27) in days
    bad = post_form(client, url, {"starts_on": "2026-11-27", "ends_on": "2026-11-26"})
    assert bad.status_code == 422
    far = post_form(client, url, {"starts_on": "2026-11-27", "ends_on": "9999-12-31"})
    assert far.status_code == 422 and "Kies een datum tussen" in far.get_data(as_text=True)


def test_another_municipality_cannot_touch_our_locations(world, client, login, factory, post_form):
    other = factory.user("coordinator", world.other_municipality)
    login(client, other)
    for url in (f"/gemeente/locaties/{world.location.id}", f"/gemeente/locaties/{world.location.id}/openingstijden",
                f"/gemeente/locaties/{world.location.id}/sluitingen"):
        assert client.get(url).status_code == 404
    assert "Stadskantoor" not in client.get("/gemeente/locaties").get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(OpeningHours)).scalar_one() == 10
    assert time(9)  # keeps the import used
