"""Odd input never gives an error page (500): it is ignored or gets a message."""
from __future__ import annotations

from tests.counter.conftest import checked_in, plan


def test_odd_query_strings_and_form_values(town, client, login, post_form):
    appointment = checked_in(town)
    course = plan(town)
    login(client, town.coordinator)
    for url in ("/balie/daglijst?locatie=abc&datum=xyz&page=-1", "/balie/daglijst?datum=1900-01-01",
                "/balie/taken?status=iets&page=abc", "/cursussen?when=x", "/gemeente/maatjes?page=99",
                "/gemeente/vertraagd?page=0"):
        assert client.get(url).status_code == 200, url
    outcome_url = f"/balie/verwijzingen/{appointment.referral_id}/uitkomst"
    response = post_form(client, outcome_url, {"actions": ["nonsense"], "minutes": "abc", "result": "x",
                                               "solution": "course", "course_id": "99999"})
    assert response.status_code == 422
    response = post_form(client, outcome_url, {"actions": ["explained"], "minutes": "10", "result": "solved",
                                               "solution": "course", "course_id": "99999"})
    assert response.status_code == 422 and "Kies een cursus uit de lijst." in response.get_data(as_text=True)
    response = post_form(client, "/cursussen/nieuw", {"title": "X", "location_id": "abc", "capacity": "abc",
                                                      "first_day": "gisteren", "starts": "25:99", "ends": "",
                                                      "sessions": "-1"})
    assert response.status_code == 422
    session_id = 0
    response = post_form(client, f"/cursussen/{course.id}/bijeenkomsten/{session_id}/aanwezigheid",
                         {"present": ["abc"]}, get_url=f"/cursussen/{course.id}")
    assert response.status_code == 404
    response = post_form(client, f"/balie/verwijzingen/{appointment.referral_id}/cursus", {"course_id": "abc"})
    assert response.status_code in (200, 422)


def test_a_non_number_for_minutes_gets_a_dutch_message(town, client, login, post_form):
    appointment = checked_in(town)
    login(client, town.counter)
    response = post_form(client, f"/balie/verwijzingen/{appointment.referral_id}/uitkomst",
                         {"actions": ["explained"], "minutes": "abc", "result": "solved", "solution": "none"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Vul het aantal minuten in" in body, body[body.find("field__error"):][:300]
