"""The counter through the test client on a real database: day list, check-in, no-show, outcome,
the agency's one line, tasks, isolation between municipalities."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from counter.models import CounterVisit, Outcome
from courses.models import Enrolment
from extensions import db
from messaging.models import OutboxMessage
from privacy.services import pseudonym
from referrals.models import Appointment, Referral, Task
from tests.counter.conftest import booked, checked_in, plan
from tests.privacy.lines import log_rows

OUTCOME = {"actions": ["digid_apply", "explained"], "minutes": "25", "result": "solved", "solution": "none",
           "course_id": "", "other_support": "", "escalation_need": "", "notes": "Zoon helpt thuis verder."}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_day_list_shows_what_the_counter_needs_and_opening_a_record_is_logged(town, client, login):
    appointment = booked(town, reads_poorly=True, brings_helper=True, helper_name="Kees",
                         categories=["digid_apply", "berichtenbox"])
    login(client, town.counter)
    page = text_of(client.get("/balie/daglijst"))
    assert "Jan de Vries" in page
    assert "DigiD aanvragen, Berichtenbox" in page
    assert "Leest slecht" in page and "Neemt helper mee" in page
    assert "Heeft de activeringsbrief bij zich." in page  # the agent's notes travel along
    assert "maandag 23 november 2026" in page  # Dutch date
    citizen = pseudonym("citizen", db.session.get(Referral, appointment.referral_id).citizen_id)
    before = log_rows(activity_id="counter", action="read", person=citizen)
    assert len(before) == 1  # the day list showed the citizen
    response = client.get(f"/balie/afspraken/{appointment.id}")
    assert response.status_code == 200
    after = log_rows(activity_id="counter", action="read", person=citizen)
    assert len(after) == 2 and after[-1].actor_id == town.counter.id


def test_day_list_of_another_date_and_the_empty_state(town, client, login):
    booked(town)
    login(client, town.counter)
    page = text_of(client.get(f"/balie/daglijst?locatie={town.location.id}&datum=2026-11-24"))
    assert "Geen afspraken op deze dag" in page
    assert "dinsdag 24 november 2026" in page
    # A location of another municipality is ignored, not shown.
    page = text_of(client.get(f"/balie/daglijst?locatie={town.other_location.id}"))
    assert "Stadhuis Amersfoort" not in page
    assert client.get("/balie/daglijst?datum=geen-datum").status_code == 200


def test_check_in_moves_appointment_and_referral(town, client, login, post_form):
    appointment = booked(town)
    login(client, town.counter)
    response = post_form(client, f"/balie/afspraken/{appointment.id}/aanmelden",
                         get_url=f"/balie/afspraken/{appointment.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "attended"
    assert db.session.get(Referral, appointment.referral_id).status == "attended"
    visit = db.session.execute(select(CounterVisit)).scalar_one()
    assert (visit.kind, visit.by_user_id) == ("checked_in", town.counter.id)
    # A second click changes nothing and is no error page.
    response = post_form(client, f"/balie/afspraken/{appointment.id}/aanmelden",
                         get_url=f"/balie/afspraken/{appointment.id}")
    assert response.status_code == 302
    assert "al verwerkt" in text_of(client.get(response.headers["Location"]))
    assert db.session.execute(select(func.count()).select_from(CounterVisit)).scalar_one() == 1


def test_no_show_makes_a_callback_task_and_an_sms_with_how_to_make_a_new_appointment(town, client, login, post_form):
    appointment = booked(town)
    login(client, town.counter)
    page = client.get(f"/balie/afspraken/{appointment.id}/niet-gekomen")
    assert "Weet u zeker" in text_of(page)  # confirmation first
    response = post_form(client, f"/balie/afspraken/{appointment.id}/niet-gekomen")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, appointment.referral_id).status == "no_show"
    task = db.session.execute(select(Task)).scalar_one()
    assert (task.kind, task.reason, task.referral_id) == ("call", "no_show", appointment.referral_id)
    sms = db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "no_show")).scalar_one()
    assert sms.to_e164 == "+31612345678"
    assert "nieuwe afspraak" in sms.body and "030 123 4567" in sms.body
    assert len(sms.body) <= 160
    # The agency sees one line: not come.
    agent = app_client_for(client, login, town.agent)
    assert "Niet gekomen" in text_of(agent.get("/verwijzingen"))


def app_client_for(client, login, user):
    other = client.application.test_client()
    login(other, user)
    return other


def test_no_show_of_a_letter_citizen_makes_a_letter_task_and_no_sms(town, client, login, post_form):
    appointment = booked(town, phone="030 765 4321", channel="letter", street="Kanaalweg", city="Utrecht")
    login(client, town.counter)
    post_form(client, f"/balie/afspraken/{appointment.id}/niet-gekomen")
    kinds = sorted(db.session.execute(select(Task.kind).where(Task.reason == "no_show")).scalars())
    assert kinds == ["call", "letter"]
    assert db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.purpose == "no_show")).scalar_one() == 0
    letter = db.session.execute(select(Task).where(Task.kind == "letter", Task.reason == "no_show")).scalar_one()
    page = client.get(f"/balie/taken/{letter.id}/brief")
    assert page.status_code == 200 and "Kanaalweg" in text_of(page)


def test_outcome_validation_keeps_everything_unsaved_with_dutch_messages(town, client, login, post_form):
    appointment = checked_in(town)
    login(client, town.counter)
    url = f"/balie/verwijzingen/{appointment.referral_id}/uitkomst"
    response = post_form(client, url, {"minutes": "0", "solution": "other", "other_support": "",
                                       "notes": "BSN 111222333"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Kies minstens een ding dat u heeft gedaan." in page
    assert "Vul het aantal minuten in (1 tot 600)." in page
    assert "Kies het resultaat." in page
    assert "Vul in welke andere hulp in de buurt." in page
    assert "BSN" in page
    assert db.session.execute(select(func.count()).select_from(Outcome)).scalar_one() == 0
    assert db.session.get(Referral, appointment.referral_id).status == "attended"


def test_outcome_with_a_course_enrols_and_the_agency_sees_cursus_but_never_the_notes(town, client, login, post_form):
    course = plan(town)
    appointment = checked_in(town)
    login(client, town.counter)
    url = f"/balie/verwijzingen/{appointment.referral_id}/uitkomst"
    response = post_form(client, url, dict(OUTCOME, solution="course", course_id=str(course.id),
                                           notes="Geheime balienotitie"))
    assert response.status_code == 302, text_of(response)
    db.session.expire_all()
    referral = db.session.get(Referral, appointment.referral_id)
    assert referral.status == "outcome_recorded"
    enrolment = db.session.execute(select(Enrolment)).scalar_one()
    assert (enrolment.course_id, enrolment.status) == (course.id, "enrolled")
    sms = db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "course_enrolled")).scalar_one()
    assert "Digisterker" in sms.body
    agent = app_client_for(client, login, town.agent)
    for page in (agent.get("/verwijzingen"), agent.get(f"/verwijzingen/{referral.id}")):
        assert "cursus" in text_of(page).lower()
        assert "Geheime balienotitie" not in page.get_data(as_text=True)
    lead = app_client_for(client, login, town.lead)
    assert "cursus Digisterker" in text_of(lead.get("/verwijzingen"))
    # The counter sees its notes on the result page, reached from the referral.
    assert "Geheime balienotitie" in text_of(client.get(f"/balie/verwijzingen/{referral.id}/uitkomst/overzicht"))
    detail = client.get(f"/verwijzingen/{referral.id}").get_data(as_text=True)
    assert f"/balie/verwijzingen/{referral.id}/uitkomst" in detail
    assert f"/balie/afspraken/{appointment.id}" in detail
    agent_detail = agent.get(f"/verwijzingen/{referral.id}").get_data(as_text=True)
    assert "/balie/" not in agent_detail
    assert "Geweest op" in agent_detail and "afgezegd" not in agent_detail


def test_outcome_buddy_goes_on_the_matching_list_and_other_support_closes(town, client, login, post_form):
    buddy = checked_in(town)
    other = checked_in(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    login(client, town.counter)
    post_form(client, f"/balie/verwijzingen/{buddy.referral_id}/uitkomst", dict(OUTCOME, solution="buddy"))
    post_form(client, f"/balie/verwijzingen/{other.referral_id}/uitkomst",
              dict(OUTCOME, solution="other", other_support="Bibliotheek Utrecht, Klik & Tik"))
    db.session.expire_all()
    assert db.session.get(Referral, other.referral_id).status == "closed"
    coordinator = app_client_for(client, login, town.coordinator)
    page = text_of(coordinator.get("/gemeente/maatjes"))
    assert "Jan de Vries" in page and "Piet Pieters" not in page
    # Escalation: the need is recorded now.
    third = checked_in(town, name="Els Els", phone="06 33333333", slot_index=3)
    post_form(client, f"/balie/verwijzingen/{third.referral_id}/uitkomst",
              dict(OUTCOME, result="not", solution="escalation", escalation_need="Toeslag klopt niet; terugbellen."))
    outcome = db.session.execute(select(Outcome).where(Outcome.referral_id == third.referral_id)).scalar_one()
    assert outcome.escalation_need.startswith("Toeslag")
    agent = app_client_for(client, login, town.agent)
    assert "doorgezet naar de tweede lijn" in text_of(agent.get("/verwijzingen"))


def test_outcome_twice_is_refused_without_an_error_page(town, client, login, post_form):
    appointment = checked_in(town)
    login(client, town.counter)
    url = f"/balie/verwijzingen/{appointment.referral_id}/uitkomst"
    assert post_form(client, url, OUTCOME).status_code == 302
    response = client.get(url)
    assert response.status_code == 302
    assert "al vastgelegd" in text_of(client.get(response.headers["Location"]))


def test_tasks_page_marks_done_by_whom_and_when(town, client, login, post_form):
    appointment = booked(town)
    login(client, town.counter)
    post_form(client, f"/balie/afspraken/{appointment.id}/niet-gekomen")
    task = db.session.execute(select(Task)).scalar_one()
    assert "Jan de Vries" in text_of(client.get("/balie/taken"))
    assert post_form(client, f"/balie/taken/{task.id}/gedaan", get_url="/balie/taken").status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.done_by_id == town.counter.id and task.done_at is not None
    assert "Geen open taken" in text_of(client.get("/balie/taken"))
    assert town.counter.name in text_of(client.get("/balie/taken?status=gedaan"))


def test_another_municipality_sees_nothing_of_it(town, client, login, post_form):
    appointment = checked_in(town)
    course = plan(town)
    booked_today = booked(town, name="Els Els", phone="06 33333333", slot_index=2)
    login(client, town.counter)
    post_form(client, f"/balie/afspraken/{booked_today.id}/niet-gekomen")
    task = db.session.execute(select(Task)).scalar_one()
    outsider = app_client_for(client, login, town.other_counter)
    for url in (f"/balie/afspraken/{appointment.id}", f"/balie/verwijzingen/{appointment.referral_id}/uitkomst",
                f"/balie/afspraken/{booked_today.id}/niet-gekomen", f"/balie/taken/{task.id}/brief",
                f"/cursussen/{course.id}", f"/balie/verwijzingen/{appointment.referral_id}/cursus",
                f"/balie/verwijzingen/{appointment.referral_id}/uitkomst/overzicht"):
        assert outsider.get(url).status_code == 404, url
    token_page = outsider.get("/balie/taken")
    from tests.conftest import csrf_from
    token = csrf_from(token_page)
    assert outsider.post(f"/balie/taken/{task.id}/gedaan", data={"csrf_token": token}).status_code == 404
    assert outsider.post(f"/balie/afspraken/{appointment.id}/aanmelden",
                         data={"csrf_token": token}).status_code == 404
    for url in ("/balie/daglijst", "/balie/taken", "/cursussen", "/gemeente/vertraagd"):
        body = outsider.get(url).get_data(as_text=True)
        assert "Jan de Vries" not in body and "Els Els" not in body and "Digisterker basis" not in body, url
    coordinator = app_client_for(client, login, town.other_coordinator)
    assert "Jan de Vries" not in coordinator.get("/gemeente/maatjes").get_data(as_text=True)
    # An agent has no counter pages at all.
    agent = app_client_for(client, login, town.agent)
    assert agent.get(f"/balie/afspraken/{appointment.id}").status_code == 403


def test_the_counter_reschedules_through_the_booking_service(town, client, login, post_form):
    from referrals.services import free_slots
    appointment = booked(town)
    login(client, town.counter)
    assert "Verzetten" in text_of(client.get(f"/balie/afspraken/{appointment.id}"))
    later = free_slots(town.municipality.id, location_id=town.location.id,
                       from_day=appointment.starts_at.date().replace(day=24), limit=1)[0]
    response = post_form(client, f"/afspraken/{appointment.id}/verzetten", {"slot": str(later.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "moved"
    assert "Jan de Vries" not in text_of(client.get("/balie/daglijst"))
    assert "Jan de Vries" in text_of(client.get(f"/balie/daglijst?locatie={town.location.id}&datum=2026-11-24"))


def test_no_show_of_a_later_day_is_not_even_offered(town, client, login):
    from datetime import timedelta

    from extensions import clock
    appointment = booked(town)
    clock.freeze(appointment.starts_at - timedelta(days=3))
    login(client, town.counter)
    response = client.get(f"/balie/afspraken/{appointment.id}/niet-gekomen")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/balie/afspraken/{appointment.id}")
    assert "pas op een latere dag" in text_of(client.get(response.headers["Location"]))


def test_is_er_far_before_the_appointment_asks_first(town, client, login, post_form):
    """Issue 14: "Is er" at night for a 09:00 appointment (or on the wrong row) asks for confirmation."""
    from datetime import timedelta

    from extensions import clock
    appointment = booked(town)
    clock.freeze(appointment.starts_at - timedelta(hours=10))
    login(client, town.counter)
    url = f"/balie/afspraken/{appointment.id}/aanmelden"
    response = post_form(client, url, get_url=f"/balie/afspraken/{appointment.id}")
    assert response.status_code == 200 and "Is er, zo vroeg?" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "booked"  # nothing changed yet
    response = post_form(client, url, {"vroeg": "1"}, get_url=f"/balie/afspraken/{appointment.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "attended"
