"""The whole buddy journey through the real app: the counter records "maatje", the coordinator
registers and screens a volunteer (who confirms the number by SMS), matches, the volunteer answers
JA by a signed inbound webhook, the coordinator confirms, citizen and volunteer are told, a monthly
reminder, KLAAR with minutes, and the ending; the agency sees each step in one line."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from extensions import clock, db
from referrals.models import Referral
from referrals.services import agency_line
from tests.counter.conftest import checked_in
from tests.privacy.lines import log_rows
from tests.volunteers.conftest import outbox, sms_from, text_of
from volunteers import jobs
from volunteers.models import BuddyPairing, BuddySearch, BuddyVisit, Volunteer

OUTCOME = {"actions": ["explained"], "minutes": "30", "result": "partly", "solution": "buddy", "course_id": "",
           "other_support": "", "escalation_need": "", "notes": ""}


def _client(client, login, user):
    other = client.application.test_client()
    login(other, user)
    return other


def test_the_whole_buddy_journey(town, webhook, client, login, post_form):
    # The counter records the outcome "maatje".
    appointment = checked_in(town, categories=["toeslagen"], postcode="3512 AB")
    login(client, town.counter)
    post_form(client, f"/balie/verwijzingen/{appointment.referral_id}/uitkomst", OUTCOME)
    search = db.session.execute(select(BuddySearch)).scalar_one()
    assert search.status == "searching"

    # The coordinator registers a volunteer; the number is confirmed by the code sent by SMS.
    coordinator = _client(client, login, town.coordinator)
    response = post_form(coordinator, "/gemeente/vrijwilligers/nieuw", {
        "name": "Anna Haddou", "phone": "06 51111111", "postcode": "3512 CD", "language": "nl",
        "languages": ["nl", "ar"], "skills": ["toeslagen", "digid"], "weekdays": ["di"], "dayparts": ["ochtend"],
        "max_buddies": "1", "notes": ""})
    assert response.status_code == 302, text_of(response)
    anna = db.session.execute(select(Volunteer)).scalar_one()
    assert anna.status == "intake" and anna.phone_confirmed_at is None
    confirm = outbox("vol_confirm")[0]
    code = re.search(r"Stuur dan (\d{4})", confirm.body).group(1)
    assert "Dank u, uw nummer is bevestigd" in sms_from(client, "+31651111111", code)

    # Screening: the VOG seen; then active.
    vog_date = (clock.now() - timedelta(days=100)).date().isoformat()
    assert post_form(coordinator, f"/gemeente/vrijwilligers/{anna.id}/vog",
                     {"issued_on": vog_date, "outcome": "ok"}).status_code == 302
    assert post_form(coordinator, f"/gemeente/vrijwilligers/{anna.id}/status", {"status": "active"},
                     get_url=f"/gemeente/vrijwilligers/{anna.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Volunteer, anna.id).status == "active"

    # Matching: the citizen on the list; Anna with her reasons; the offer goes out without personal data.
    assert "Jan de Vries" in text_of(coordinator.get("/gemeente/maatjes"))
    page = text_of(coordinator.get(f"/gemeente/maatjes/{search.id}"))
    assert "Anna Haddou" in page and "zelfde postcodegebied (3512)" in page and "past bij de vraag" in page
    response = post_form(coordinator, f"/gemeente/maatjes/{search.id}/aanbod", {"volunteer_id": anna.id, "relax": ""},
                         get_url=f"/gemeente/maatjes/{search.id}")
    assert response.status_code == 302
    offer_sms = outbox("vol_offer", "+31651111111")[0]
    offer_code = re.search(r"JA (\d{3})", offer_sms.body).group(1)
    assert "Jan" not in offer_sms.body and "12345678" not in offer_sms.body and "3512 (Utrecht)" in offer_sms.body

    # The volunteer answers JA by SMS; the coordinator confirms with the first visit.
    reply = sms_from(client, "+31651111111", f"ja {offer_code}")
    assert reply.startswith("Dank u! De coordinator bevestigt")
    assert outbox("vol_paired") == []  # nothing about the citizen before the confirmation
    first = (clock.now() + timedelta(days=3)).date().isoformat()
    response = post_form(coordinator, f"/gemeente/maatjes/{search.id}/koppelen", {"first_day": first,
                         "first_time": "10:30"}, get_url=f"/gemeente/maatjes/{search.id}")
    assert response.status_code == 302, text_of(response)
    paired = outbox("vol_paired", "+31651111111")[0]
    assert "Jan" in paired.body and "06 12345678" in paired.body and "10:30" in paired.body
    assert f"KLAAR {offer_code}" in paired.body
    citizen_sms = outbox("buddy_paired_citizen", "+31612345678")[0]
    assert "Anna wordt uw maatje" in citizen_sms.body and "Haddou" not in citizen_sms.body
    agent = _client(client, login, town.agent)
    assert "maatje gekoppeld" in text_of(agent.get("/verwijzingen"))

    # A month after the first visit: the reminder; KLAAR with minutes.
    pairing = db.session.execute(select(BuddyPairing)).scalar_one()
    clock.freeze(pairing.first_visit_at + timedelta(days=31))
    jobs.hourly()
    reminder = outbox("vol_visit_reminder", "+31651111111")
    assert len(reminder) == 1 and f"KLAAR {offer_code}" in reminder[0].body
    assert sms_from(client, "+31651111111", f"KLAAR {offer_code} 90") == "Dank u! Uw bezoek aan Jan is genoteerd."
    assert db.session.execute(select(BuddyVisit.minutes)).scalar_one() == 90
    coordinator = _client(client, login, town.coordinator)  # a month later: a new session
    assert "1 resultaat" in text_of(coordinator.get("/gemeente/koppelingen"))

    # The end: both are told; the referral is closed with its result.
    response = post_form(coordinator, f"/gemeente/koppelingen/{pairing.id}/beeindigen", {"reason": "goal_reached"},
                         get_url=f"/gemeente/koppelingen/{pairing.id}")
    assert response.status_code == 302, text_of(response)
    assert outbox("vol_ended", "+31651111111") and outbox("buddy_ended_citizen", "+31612345678")
    referral = db.session.get(Referral, appointment.referral_id)
    assert referral.status == "closed" and agency_line(referral).endswith("maatje-koppeling afgerond")
    db.session.expire_all()
    assert db.session.get(Volunteer, anna.id).load == 0
    # Every page that showed the volunteer or the citizen is in the processing log.
    reads = {(line.activity_id, line.person_type) for line in log_rows(action="read")}
    assert {("volunteer", "volunteer"), ("buddy", "volunteer"), ("buddy", "citizen")} <= reads, reads
