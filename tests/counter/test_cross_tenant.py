"""Ids from outside (an address, a query string, a form) of another municipality: 404 or a form
error, never another organisation's record and never a silent swap for one of our own; every
refusal is in the processing log."""
from __future__ import annotations

from sqlalchemy import func, select

from counter.models import Outcome
from courses.models import Course
from extensions import db
from tests.counter.conftest import booked, checked_in, plan
from tests.privacy.lines import log_rows


def _refusals() -> list[str]:
    db.session.expire_all()
    return [row.detail for row in log_rows(action="access_refused")]


def test_day_list_with_another_municipalitys_location_is_404_and_logged(town, client, login):
    booked(town)
    login(client, town.counter)
    response = client.get(f"/balie/daglijst?locatie={town.other_location.id}")
    assert response.status_code == 404
    assert "Stadhuis Amersfoort" not in response.get_data(as_text=True)
    assert any(f"Location {town.other_location.id}" in d for d in _refusals())
    # Without (or with an empty) locatie the day list still shows the first location of our own.
    for url in ("/balie/daglijst", "/balie/daglijst?locatie="):
        response = client.get(url)
        assert response.status_code == 200 and "Stadskantoor" in response.get_data(as_text=True)


def test_booking_picker_with_a_location_of_another_municipality_is_404(town, client, login):
    from referrals.services import ReferralInput, create_referral
    referral = create_referral(ReferralInput(
        name="Jan de Vries", phone="06 12345678", postcode="3512 AB", house_number="14", channel="sms",
        categories=["digid_apply"], reason="no_device", consent=True), actor=town.agent)
    login(client, town.agent)
    assert client.get(f"/verwijzingen/{referral.id}/afspraak?locatie={town.location.id}").status_code == 200
    assert client.get(f"/verwijzingen/{referral.id}/afspraak?locatie={town.other_location.id}").status_code == 404


def test_course_form_with_another_municipalitys_location_saves_nothing_and_is_logged(town, client, login,
                                                                                     post_form):
    login(client, town.coordinator)
    response = post_form(client, "/cursussen/nieuw", {
        "title": "Digisterker basis", "location_id": str(town.other_location.id), "capacity": "8",
        "first_day": "2026-12-01", "starts": "10:00", "ends": "12:00", "sessions": "4", "intake_note": ""})
    assert response.status_code == 422 and "Kies een locatie." in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Course)).scalar_one() == 0
    assert any(f"Location {town.other_location.id}" in d for d in _refusals())


def test_outcome_with_another_municipalitys_course_saves_nothing_and_is_logged(town, client, login, post_form):
    foreign = plan(town, municipality=town.other_municipality, location=town.other_location)
    appointment = checked_in(town)
    login(client, town.counter)
    response = post_form(client, f"/balie/verwijzingen/{appointment.referral_id}/uitkomst", {
        "actions": ["explained"], "minutes": "10", "result": "solved", "solution": "course",
        "course_id": str(foreign.id)})
    assert response.status_code == 422 and "Kies een cursus uit de lijst." in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Outcome)).scalar_one() == 0
    assert any(f"Course {foreign.id}" in d for d in _refusals())


def test_enrol_with_another_municipalitys_course_saves_nothing(town, client, login, post_form):
    from counter.services import OutcomeInput, record_outcome
    from referrals.models import Referral
    foreign = plan(town, municipality=town.other_municipality, location=town.other_location)
    appointment = checked_in(town)
    referral = db.session.get(Referral, appointment.referral_id)
    record_outcome(referral, OutcomeInput(actions=["explained"], minutes=20, result="solved", solution="course"),
                   actor=town.counter)
    login(client, town.counter)
    response = post_form(client, f"/balie/verwijzingen/{referral.id}/cursus", {"course_id": str(foreign.id)})
    assert response.status_code == 422
    assert any(f"Course {foreign.id}" in d for d in _refusals())


def test_pages_with_a_foreign_id_in_the_address_are_404(town, client, login):
    course = plan(town, municipality=town.other_municipality, location=town.other_location)
    appointment = booked(town)
    login(client, town.other_counter)
    for url in (f"/balie/afspraken/{appointment.id}", f"/verwijzingen/{appointment.referral_id}",
                f"/cursussen/{course.id}/bijeenkomsten/999999/aanwezigheid"):
        assert client.get(url).status_code == 404, url
    own = client.application.test_client()
    login(own, town.counter)
    assert own.get(f"/cursussen/{course.id}").status_code == 404
