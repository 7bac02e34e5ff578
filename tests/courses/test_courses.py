"""Digisterker courses through the test client and the services on a real database: planning,
enrolment, the waiting list and its promotion, reminders, attendance and completion."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from counter.services import OutcomeInput, record_outcome
from courses import services as course_services
from courses.models import Attendance, Course, CourseSession, Enrolment
from extensions import clock, db
from messaging.models import OutboxMessage
from referrals.models import Referral, Task
from referrals.services import agency_line
from tests.counter.conftest import checked_in, plan
from tests.counter.test_counter import text_of


def with_outcome(town, **overrides):
    appointment = checked_in(town, **overrides)
    referral = db.session.get(Referral, appointment.referral_id)
    record_outcome(referral, OutcomeInput(actions=["explained"], minutes=20, result="partly", solution="course"),
                   actor=town.counter)
    return db.session.get(Referral, appointment.referral_id)


def sms(purpose):
    return list(db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == purpose)
                                   .order_by(OutboxMessage.id)).scalars())


def test_the_coordinator_plans_a_course_with_clear_messages(town, client, login, post_form):
    login(client, town.coordinator)
    response = post_form(client, "/cursussen/nieuw", {"title": "", "location_id": str(town.location.id),
                                                      "capacity": "0", "first_day": "2026-11-01", "starts": "12:00",
                                                      "ends": "10:00", "sessions": "4", "intake_note": ""})
    assert response.status_code == 422
    page = text_of(response)
    for message in ("Vul de naam van de cursus in.", "Kies 1 tot 100 plaatsen.", "Deze datum is al voorbij.",
                    "De eindtijd moet na de begintijd liggen."):
        assert message in page
    assert db.session.execute(select(func.count()).select_from(Course)).scalar_one() == 0
    response = post_form(client, "/cursussen/nieuw", {
        "title": "Digisterker basis", "location_id": str(town.location.id), "capacity": "8",
        "first_day": "2026-12-01", "starts": "10:00", "ends": "12:00", "sessions": "4", "intake_note": "Telefoon mee"})
    assert response.status_code == 302
    course = db.session.execute(select(Course)).scalar_one()
    page = text_of(client.get(f"/cursussen/{course.id}"))
    assert "dinsdag 1 december 2026, 10:00–12:00" in page and "dinsdag 22 december 2026" in page
    assert "0 van 8 bezet" in page
    # The counter may not plan; another municipality cannot see it.
    counter = client.application.test_client()
    login(counter, town.counter)
    assert counter.get("/cursussen/nieuw").status_code == 403
    outsider = client.application.test_client()
    login(outsider, town.other_coordinator)
    assert outsider.get(f"/cursussen/{course.id}").status_code == 404


def test_a_full_course_puts_the_citizen_on_the_waiting_list_and_a_cancellation_promotes_and_tells(
        town, client, login, post_form):
    course = plan(town, capacity=1)
    first = with_outcome(town)
    second = with_outcome(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    login(client, town.counter)
    assert post_form(client, f"/balie/verwijzingen/{first.id}/cursus",
                     {"course_id": str(course.id)}).status_code == 302
    assert post_form(client, f"/balie/verwijzingen/{second.id}/cursus",
                     {"course_id": str(course.id)}).status_code == 302
    rows = {e.referral_id: e for e in db.session.execute(select(Enrolment)).scalars()}
    assert rows[first.id].status == "enrolled" and rows[second.id].status == "waiting"
    assert [m.to_e164 for m in sms("course_waiting")] == ["+31622222222"]
    agent = client.application.test_client()
    login(agent, town.agent)
    assert "op de wachtlijst voor cursus Digisterker" in text_of(agent.get("/verwijzingen"))
    # Enrolling twice is refused with a message, no error page.
    response = post_form(client, f"/balie/verwijzingen/{first.id}/cursus", {"course_id": str(course.id)})
    assert response.status_code == 200 and "staat al bij" in text_of(response)

    cancel_url = f"/cursussen/inschrijvingen/{rows[first.id].id}/afmelden"
    assert "Weet u zeker" in text_of(client.get(cancel_url))
    assert post_form(client, cancel_url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, rows[second.id].id).status == "enrolled"
    assert db.session.get(Enrolment, rows[first.id].id).status == "cancelled"
    assert db.session.get(Course, course.id).taken == 1
    promoted = sms("course_promoted")
    assert [m.to_e164 for m in promoted] == ["+31622222222"] and len(promoted[0].body) <= 306
    assert "ingeschreven voor cursus Digisterker" in text_of(agent.get("/verwijzingen"))


def test_cancelling_with_nobody_waiting_frees_the_seat(town):
    course = plan(town, capacity=2)
    referral = with_outcome(town)
    enrolment = course_services.enrol(referral, course, actor=town.counter)
    assert db.session.get(Course, course.id).taken == 1
    assert course_services.cancel_enrolment(enrolment, actor=town.counter) is None
    db.session.expire_all()
    assert db.session.get(Course, course.id).taken == 0


def test_a_landline_citizen_on_the_waiting_list_gets_a_call_task_when_promoted(town):
    course = plan(town, capacity=1)
    first = with_outcome(town)
    second = with_outcome(town, name="Gerrit Jansen", phone="030 765 4321", channel="phone", slot_index=2)
    enrolment = course_services.enrol(first, course, actor=town.counter)
    course_services.enrol(second, course, actor=town.counter)
    course_services.cancel_enrolment(enrolment, actor=town.counter)
    tasks = list(db.session.execute(select(Task).where(Task.referral_id == second.id,
                                                      Task.appointment_id.is_(None))).scalars())
    assert [(t.kind, t.reason) for t in tasks] == [("call", "landline"), ("call", "landline")]
    assert "plaats" in tasks[-1].description
    assert sms("course_promoted") == []


def test_reminders_the_day_before_each_session_once_even_when_run_twice(town):
    course = plan(town, days_ahead=2)
    sms_citizen = with_outcome(town)
    phone_citizen = with_outcome(town, name="Gerrit Jansen", phone="030 765 4321", channel="phone", slot_index=2)
    course_services.enrol(sms_citizen, course, actor=town.counter)
    course_services.enrol(phone_citizen, course, actor=town.counter)
    assert course_services.queue_course_reminders() == 0  # two days ahead: not yet
    clock.freeze(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # Tuesday 11:00: the first session is tomorrow
    assert course_services.queue_course_reminders() == 2
    assert course_services.queue_course_reminders() == 0
    reminders = sms("course_reminder")
    assert [m.to_e164 for m in reminders] == ["+31612345678"]
    assert "morgen om 10:00" in reminders[0].body and reminders[0].body.startswith("Gemeente ")
    call = db.session.execute(select(Task).where(Task.referral_id == phone_citizen.id,
                                                 Task.description.like("Herinner%"))).scalar_one()
    assert call.kind == "call"


def test_attendance_per_session_and_completion_on_the_referral(town, client, login, post_form):
    course = plan(town, days_ahead=1, sessions=2)
    referral = with_outcome(town)
    enrolment = course_services.enrol(referral, course, actor=town.counter)
    sessions = list(db.session.execute(select(CourseSession).where(CourseSession.course_id == course.id)
                                       .order_by(CourseSession.starts_at)).scalars())
    login(client, town.counter)
    url = f"/cursussen/{course.id}/bijeenkomsten/{sessions[0].id}/aanwezigheid"
    response = post_form(client, url, {"present": [str(enrolment.id)]})
    assert response.status_code == 422 and "nog niet geweest" in text_of(response)
    clock.freeze(sessions[0].ends_at + timedelta(minutes=5))
    login(client, town.counter)  # a day later: the idle session has ended (issue 15)
    assert post_form(client, url, {"present": [str(enrolment.id)]}).status_code == 302
    assert db.session.execute(select(Attendance.present)).scalar_one() is True
    assert "1 van 2 keer" in text_of(client.get(f"/cursussen/{course.id}"))
    assert post_form(client, f"/cursussen/inschrijvingen/{enrolment.id}/afgerond",
                     get_url=f"/cursussen/{course.id}").status_code == 302
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.status == "closed"
    assert agency_line(referral) == "Deels geholpen; cursus Digisterker afgerond"
    assert db.session.get(Enrolment, enrolment.id).completed_at is not None


def test_outcome_with_a_course_that_belongs_to_another_municipality_saves_nothing(town):
    foreign = plan(town, municipality=town.other_municipality, location=town.other_location)
    appointment = checked_in(town)
    referral = db.session.get(Referral, appointment.referral_id)
    import pytest

    from extensions import DomainError
    with pytest.raises(DomainError):
        record_outcome(referral, OutcomeInput(actions=["explained"], minutes=20, result="solved", solution="course",
                                              course_id=foreign.id), actor=town.counter)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "attended"
    assert db.session.execute(select(func.count()).select_from(Enrolment)).scalar_one() == 0


def test_a_letter_citizen_gets_a_letter_about_the_course_and_a_call_before_each_session(town, client, login):
    course = plan(town, days_ahead=1)
    referral = with_outcome(town, name="Gerrit Jansen", phone="030 765 4321", channel="letter",
                            street="Kanaalweg", city="Utrecht")
    course_services.enrol(referral, course, actor=town.counter)
    letter = db.session.execute(select(Task).where(Task.referral_id == referral.id,
                                                   Task.appointment_id.is_(None))).scalar_one()
    assert letter.kind == "letter" and letter.description.startswith("U doet mee aan de cursus")
    login(client, town.counter)
    page = text_of(client.get(f"/balie/taken/{letter.id}/brief"))
    assert "Beste Gerrit Jansen" in page and "Kanaalweg" in page and "Stadskantoor" in page
    assert course_services.queue_course_reminders() == 1
    call = db.session.execute(select(Task).where(Task.referral_id == referral.id, Task.kind == "call",
                                                 Task.appointment_id.is_(None))).scalar_one()
    assert call.description.startswith("Herinner de inwoner") and "Gerrit Jansen" not in call.description


def test_a_citizen_promoted_after_the_reminders_went_out_is_reminded_too(town):
    course = plan(town, capacity=1, days_ahead=2)  # weekly from Wednesday 25 November
    first = with_outcome(town)
    second = with_outcome(town, name="Mieke de Boer", phone="06 2345 6789", slot_index=2)
    seat = course_services.enrol(first, course, actor=town.counter)
    course_services.enrol(second, course, actor=town.counter)
    clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # Tuesday 1 December: the second session is tomorrow
    assert course_services.queue_course_reminders() == 1
    course_services.cancel_enrolment(seat, actor=town.counter)
    reminders = sms("course_reminder")
    assert sorted(m.to_e164 for m in reminders) == ["+31612345678", "+31623456789"]
    assert course_services.queue_course_reminders() == 0
    assert len(sms("course_reminder")) == 2


def test_issue11_a_letter_citizen_taken_off_a_course_gets_a_letter_with_the_number_to_call(town, client, login):
    course = plan(town, days_ahead=1)
    referral = with_outcome(town, name="Gerrit Jansen", phone="030 765 4321", channel="letter",
                            street="Kanaalweg", city="Utrecht")
    enrolment = course_services.enrol(referral, course, actor=town.counter)
    seat = db.session.execute(select(Task).where(Task.referral_id == referral.id,
                                                 Task.appointment_id.is_(None))).scalar_one()
    assert "een cursus over DigiD en internet" in seat.description and "Bel ons op" in seat.description
    course_services.cancel_enrolment(enrolment, actor=town.counter)
    letters = db.session.execute(select(Task).where(Task.referral_id == referral.id, Task.kind == "letter",
                                                    Task.appointment_id.is_(None))
                                 .order_by(Task.id)).scalars().all()
    assert len(letters) == 2 and letters[-1].description.startswith("U doet niet meer mee aan de cursus")
    login(client, town.counter)
    page = text_of(client.get(f"/balie/taken/{letters[-1].id}/brief"))
    assert "Onderwerp: U doet niet meer mee aan de cursus Digisterker" in page and "Gemeente" in page
