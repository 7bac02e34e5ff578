"""The coordinator's pages: scoped to the municipality, errors next to the fields (never a 500),
paginated lists, the processing log for every read, and playing the volunteer in the demo."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import clock, db
from privacy.services import pseudonym
from referrals.models import Referral
from tests.privacy.lines import log_rows
from tests.volunteers.conftest import outbox, paired, text_of, volunteer, waiting
from volunteers import services as vs
from volunteers.models import Volunteer

FORM = {"name": "Anna Haddou", "phone": "06 51111111", "postcode": "3512 CD", "language": "nl", "languages": ["nl"],
        "skills": ["digid"], "weekdays": [], "dayparts": [], "max_buddies": "1", "notes": ""}


def _log(activity_id, person_type, person_id):
    return log_rows(activity_id=activity_id, action="read", person=pseudonym(person_type, person_id))


def test_other_municipalities_and_other_roles_see_nothing(town, client, login):
    anna = volunteer(town)
    pairing = paired(town, anna)
    login(client, town.other_coordinator)
    for url in (f"/gemeente/vrijwilligers/{anna.id}", f"/gemeente/maatjes/{pairing.search_id}",
                f"/gemeente/koppelingen/{pairing.id}", f"/gemeente/vrijwilligers/{anna.id}/bewerken"):
        assert client.get(url).status_code == 404, url
    assert "Anna" not in text_of(client.get("/gemeente/vrijwilligers"))
    assert "Jan de Vries" not in text_of(client.get("/gemeente/koppelingen"))
    counter = client.application.test_client()
    login(counter, town.counter)
    assert counter.get("/gemeente/vrijwilligers").status_code == 403


def test_registration_errors_are_shown_next_to_the_fields(town, client, login, post_form):
    login(client, town.coordinator)
    response = post_form(client, "/gemeente/vrijwilligers/nieuw", dict(FORM, phone="030 123 4567", languages=[],
                                                                       max_buddies="0", notes="BSN 123456782"))
    page = text_of(response)
    assert response.status_code == 422 and "Er is iets niet goed ingevuld" in page
    assert "Vul een mobiel nummer in" in page and "Kies minstens een taal" in page and "1 tot 10" in page
    assert post_form(client, "/gemeente/vrijwilligers/nieuw", FORM).status_code == 302
    again = post_form(client, "/gemeente/vrijwilligers/nieuw", FORM)
    assert again.status_code == 422 and "al een vrijwilliger met dit nummer" in text_of(again)
    anna = db.session.execute(select(Volunteer)).scalar_one()
    refused = post_form(client, f"/gemeente/vrijwilligers/{anna.id}/status", {"status": "active"},
                        get_url=f"/gemeente/vrijwilligers/{anna.id}")
    assert refused.status_code == 422 and "nog niet bevestigd" in text_of(refused)
    future = (clock.now() + timedelta(days=3)).date().isoformat()
    vog = post_form(client, f"/gemeente/vrijwilligers/{anna.id}/vog", {"issued_on": future, "outcome": "ok"})
    assert vog.status_code == 422 and "in de toekomst" in text_of(vog)
    old = (clock.now() - timedelta(days=4 * 366)).date().isoformat()
    vog = post_form(client, f"/gemeente/vrijwilligers/{anna.id}/vog", {"issued_on": old, "outcome": "ok"})
    assert vog.status_code == 422 and "ouder dan 3 jaar" in text_of(vog)


def test_a_new_number_is_confirmed_again(town, client, login, post_form):
    anna = volunteer(town, phone="+31651111111")
    login(client, town.coordinator)
    response = post_form(client, f"/gemeente/vrijwilligers/{anna.id}/bewerken", dict(FORM, phone="06 59999999"))
    assert response.status_code == 302
    db.session.expire_all()
    anna = db.session.get(Volunteer, anna.id)
    assert anna.status == "intake" and anna.phone_confirmed_at is None
    assert outbox("vol_confirm", "+31659999999")


def test_confirming_a_pairing_needs_a_first_visit_ahead(town, client, login, post_form):
    search = waiting(town)
    anna = volunteer(town)
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    vs.handle_inbound_sms(anna.phone_e164, f"JA {offer.code}")
    db.session.commit()
    login(client, town.coordinator)
    page = text_of(client.get(f"/gemeente/maatjes/{search.id}"))
    assert f"Anna Haddou antwoordde JA {offer.code}" in page
    past = (clock.now() - timedelta(days=1)).date().isoformat()
    response = post_form(client, f"/gemeente/maatjes/{search.id}/koppelen", {"first_day": past, "first_time": "10:00"},
                         get_url=f"/gemeente/maatjes/{search.id}")
    assert response.status_code == 422 and "Kies een eerste bezoek" in text_of(response)
    assert outbox("vol_paired") == []
    # Not paired after all: the search goes on and the volunteer's place is free again.
    post_form(client, f"/gemeente/maatjes/{search.id}/niet-koppelen", get_url=f"/gemeente/maatjes/{search.id}")
    db.session.expire_all()
    assert db.session.get(Volunteer, anna.id).load == 0
    assert "Zoekt een maatje" in text_of(client.get(f"/gemeente/maatjes/{search.id}"))


def test_every_read_of_a_volunteer_or_citizen_is_logged(town, client, login):
    anna = volunteer(town)
    pairing = paired(town, anna)
    login(client, town.coordinator)
    citizen_id = db.session.get(Referral, pairing.referral_id).citizen_id
    client.get("/gemeente/vrijwilligers")
    assert len(_log("volunteer", "volunteer", anna.id)) == 1
    client.get(f"/gemeente/vrijwilligers/{anna.id}")
    assert len(_log("volunteer", "volunteer", anna.id)) == 2
    before = len(_log("buddy", "citizen", citizen_id))
    client.get(f"/gemeente/koppelingen/{pairing.id}")  # the pairing: both persons
    assert len(_log("buddy", "citizen", citizen_id)) == before + 1 and _log("buddy", "volunteer", anna.id)
    client.get(f"/gemeente/maatjes/{pairing.search_id}")
    assert len(_log("buddy", "citizen", citizen_id)) == before + 2
    other = waiting(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    bert = volunteer(town, "Bert Twee")
    client.get(f"/gemeente/maatjes/{other.id}")
    assert len(_log("buddy", "volunteer", bert.id)) == 1  # proposed for the search


@pytest.mark.config(PAGE_SIZE=2)
def test_the_registry_is_paginated_and_filtered(town, client, login):
    for i in range(3):
        volunteer(town, f"Vrijwilliger {i}")
    volunteer(town, "Zo In Intake", status="intake")
    login(client, town.coordinator)
    first = text_of(client.get("/gemeente/vrijwilligers"))
    assert "Pagina 1 van 2" in first and "Vrijwilliger 0" in first and "Vrijwilliger 2" not in first
    assert "Zo In Intake" in text_of(client.get("/gemeente/vrijwilligers?page=2"))
    only = text_of(client.get("/gemeente/vrijwilligers?status=intake"))
    assert "Zo In Intake" in only and "Vrijwilliger 0" not in only
    assert client.get("/gemeente/vrijwilligers?status=<x>&page=abc").status_code == 200


def test_playing_the_volunteer_in_the_demo(town, client, login, post_form):
    search = waiting(town)
    anna = volunteer(town)
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    login(client, town.coordinator)
    response = post_form(client, f"/gemeente/vrijwilligers/{anna.id}/sms-nabootsen", {"body": f"JA {offer.code}"},
                         get_url=f"/gemeente/vrijwilligers/{anna.id}")
    assert response.status_code == 200
    assert "Antwoord aan de vrijwilliger: Dank u! De coordinator bevestigt" in text_of(response)
    db.session.expire_all()
    assert db.session.get(type(search), search.id).status == "accepted"
    client.application.config["SMS_GATEWAY"] = "twilio"
    client.application.config.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="t",
                                     TWILIO_FROM_NUMBER="+3197010000000")
    assert "nabootsen" not in text_of(client.get(f"/gemeente/vrijwilligers/{anna.id}"))


def test_the_referral_page_leads_the_coordinator_to_the_search(town, client, login):
    search = waiting(town)
    login(client, town.coordinator)
    page = client.get(f"/verwijzingen/{search.referral_id}").get_data(as_text=True)
    assert f"/gemeente/maatjes/verwijzing/{search.referral_id}" in page
    response = client.get(f"/gemeente/maatjes/verwijzing/{search.referral_id}")
    assert response.headers["Location"].endswith(f"/gemeente/maatjes/{search.id}")


def test_an_erased_volunteer_cannot_be_made_active_again_or_be_offered(town, client, login, post_form, factory):
    """After an erasure the row stays for the counts, without number confirmation or VOG: the
    coordinator cannot activate, edit or re-confirm it (found by trying it), so no offer reaches a
    number that is no number."""
    from privacy import rights
    anna = volunteer(town)
    officer, approver = (factory.user("privacy_officer", town.municipality) for _ in range(2))
    person = rights.person_or_404("volunteer", anna.id, user=officer)
    rights.approve_erasure(rights.request_erasure(person, "request", actor=officer), person, actor=approver)
    db.session.expire_all()
    anna = db.session.get(Volunteer, anna.id)
    assert anna.erased and anna.phone_confirmed_at is None and anna.vog_valid_until is None
    login(client, town.coordinator)
    for url, form in ((f"/gemeente/vrijwilligers/{anna.id}/status", {"status": "active"}),
                      (f"/gemeente/vrijwilligers/{anna.id}/vog", {"issued_on": clock.now().date().isoformat(),
                                                                   "outcome": "ok"}),
                      (f"/gemeente/vrijwilligers/{anna.id}/bewerken", FORM)):
        refused = post_form(client, url, form, get_url=f"/gemeente/vrijwilligers/{anna.id}")
        assert refused.status_code == 422 and "gewist" in text_of(refused), url
    db.session.expire_all()
    anna = db.session.get(Volunteer, anna.id)
    assert anna.status == "stopped" and anna.name == "" and anna.vog_valid_until is None
    search = waiting(town)
    assert anna.id not in [c.volunteer.id for c in vs.match(search).ranked]
