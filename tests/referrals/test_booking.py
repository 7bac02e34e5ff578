"""Booking, rescheduling, cancelling, AFZEGGEN, reminders, letters and calls, and isolation."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from extensions import DomainError, clock, db
from messaging.models import OutboxMessage
from messaging.services import receive_inbound
from referrals.models import Appointment, Referral, Slot, StatusChange, Task
from referrals.services import (
    SlotTaken,
    book,
    cancel_appointment,
    change_status,
    free_slots,
    queue_reminders,
    record_result,
)
from tests.referrals.conftest import make_referral


def _sms(purpose=None):
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if purpose:
        stmt = stmt.where(OutboxMessage.purpose == purpose)
    return db.session.execute(stmt).scalars().all()


def _open_tasks(reason: str) -> list[Task]:
    """The municipality's open tasks (its one work list) for one reason, oldest first."""
    return db.session.execute(select(Task).where(Task.reason == reason, Task.done_at.is_(None))
                              .order_by(Task.id)).scalars().all()


def _slot_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="slot" id="slot-(\d+)"', page)]


def test_a_full_slot_is_just_taken_and_the_next_free_slots_are_offered(world, client, login, post_form):
    first, second = make_referral(world.agent), make_referral(world.agent, name="Piet Jansen")
    slot = free_slots(world.municipality.id, limit=1)[0]
    login(client, world.agent)
    page = client.get(f"/verwijzingen/{second.id}/afspraak").get_data(as_text=True)  # shows the slot free
    assert _slot_ids(page)[0] == slot.id
    book(first, slot.id, actor=world.agent)  # another agent books it meanwhile (capacity 1)
    response = post_form(client, f"/verwijzingen/{second.id}/afspraak", {"slot": slot.id},
                         get_url=f"/verwijzingen/{second.id}/afspraak")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "net vergeven" in page
    offered = _slot_ids(page)
    assert offered and slot.id not in offered
    assert db.session.get(Slot, slot.id).booked == 1
    db.session.expire_all()
    assert db.session.get(Referral, second.id).status == "referred"
    assert db.session.execute(select(func.count()).select_from(Appointment)).scalar_one() == 1
    assert len(_sms()) == 1  # only the first citizen's confirmation


def test_a_slot_in_the_past_is_refused(world):
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, limit=1)[0]
    clock.freeze(slot.starts_at + timedelta(minutes=1))
    with pytest.raises(DomainError) as err:
        book(referral, slot.id, actor=world.agent)
    assert err.value.field == "slot" and "voorbij" in err.value.message
    assert db.session.get(Slot, slot.id).booked == 0
    assert _sms() == []


def test_capacity_is_the_number_of_counters(world):
    from tests.referrals.conftest import make_location
    make_location(world.municipality, counters=2, name="Wijkbureau")
    slot = free_slots(world.municipality.id, limit=1)[0]  # ordered by location: the first location
    twin = db.session.execute(select(Slot).where(Slot.starts_at == slot.starts_at, Slot.capacity == 2)).scalar_one()
    referrals = [make_referral(world.agent, name=f"Inwoner {i}") for i in range(3)]
    book(referrals[0], twin.id, actor=world.agent)
    book(referrals[1], twin.id, actor=world.agent)
    with pytest.raises(SlotTaken):
        book(referrals[2], twin.id, actor=world.agent)
    assert db.session.get(Slot, twin.id).booked == 2


def test_a_referral_cannot_get_two_active_appointments(world):
    referral = make_referral(world.agent)
    a, b = free_slots(world.municipality.id, limit=2)
    book(referral, a.id, actor=world.agent)
    with pytest.raises(DomainError):
        book(db.session.get(Referral, referral.id), b.id, actor=world.agent)
    assert db.session.get(Slot, b.id).booked == 0


def test_reschedule_frees_the_old_slot_and_tells_the_citizen(world, client, login, post_form):
    referral = make_referral(world.agent)
    old, new = free_slots(world.municipality.id, limit=2)
    appointment = book(referral, old.id, actor=world.agent)
    login(client, world.counter)
    url = f"/afspraken/{appointment.id}/verzetten"
    page = client.get(url).get_data(as_text=True)
    assert old.id not in _slot_ids(page) and new.id in _slot_ids(page)
    response = post_form(client, url, {"slot": new.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Slot, old.id).booked, db.session.get(Slot, new.id).booked) == (0, 1)
    statuses = db.session.execute(select(Appointment.status).order_by(Appointment.id)).scalars().all()
    assert statuses == ["moved", "booked"]
    moved = _sms("appointment_moved")
    assert len(moved) == 1 and moved[0].body.startswith(
        "Gemeente Utrecht: uw afspraak is veranderd. De oude tijd geldt niet meer. Nieuwe tijd: maandag 23 november om 10:00")
    history = db.session.execute(select(StatusChange.to_status, StatusChange.by_user_id)
                                 .order_by(StatusChange.id)).all()
    assert history[-1] == ("booked", world.counter.id)


def test_cancel_by_the_agent_frees_the_slot(world, client, login, post_form):
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, limit=1)[0]
    appointment = book(referral, slot.id, actor=world.agent)
    login(client, world.agent)
    response = post_form(client, f"/afspraken/{appointment.id}/afzeggen", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Slot, slot.id).booked == 0
    assert db.session.get(Referral, referral.id).status == "cancelled"
    assert db.session.get(Appointment, appointment.id).cancelled_by == "agent"
    assert len(_sms("appointment_cancelled")) == 1
    # It can be booked again.
    book(db.session.get(Referral, referral.id), slot.id, actor=world.agent)
    assert db.session.get(Slot, slot.id).booked == 1


def test_afzeggen_cancels_frees_the_slot_and_the_municipality_sees_it(world, client, login):
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, from_day=date(2026, 11, 25), limit=1)[0]
    appointment = book(referral, slot.id, actor=world.agent)
    reply = receive_inbound(provider_sid="SM1", from_number="+31612345678", to_number="+3197010000000",
                            body="afzeggen")
    assert reply.startswith("Gemeente Utrecht: uw afspraak van woensdag 25 november om 09:00 is afgezegd.")
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "cancelled"
    assert db.session.get(Appointment, appointment.id).cancelled_by == "citizen"
    assert db.session.get(Slot, slot.id).booked == 0
    assert db.session.get(Referral, referral.id).status == "cancelled"
    last = db.session.execute(select(StatusChange).order_by(StatusChange.id.desc())).scalars().first()
    assert last.by_user_id is None and "AFZEGGEN" in last.note
    assert [t.appointment_id for t in _open_tasks("cancelled_by_citizen")] == [appointment.id]
    login(client, world.counter)
    assert client.get("/gemeente/brieven-en-telefoontjes").headers["Location"].endswith("/balie/taken")
    assert "Afgezegd door de inwoner" in client.get("/balie/taken").get_data(as_text=True)
    # Again: no appointment left; another number: not found; other words: not ours.
    again = receive_inbound(provider_sid="SM2", from_number="+31612345678", to_number="x", body="AFZEGGEN")
    assert again.startswith("Wij vinden geen afspraak")
    assert _sms("appointment_cancelled") == []  # the citizen is not told what they did themselves


def test_reminders_only_for_tomorrow_sms_appointments_and_only_once(world):
    tuesday, wednesday = date(2026, 11, 24), date(2026, 11, 25)
    sms_citizen = make_referral(world.agent)
    letter_citizen = make_referral(world.agent, name="Gerrit", phone="030 123 4567", channel="letter",
                                   street="Kanaalweg", city="Utrecht")
    cancelled = make_referral(world.agent, name="Ria", phone="06 11111111")
    later = make_referral(world.agent, name="Kees", phone="06 22222222")
    slots = free_slots(world.municipality.id, from_day=tuesday, limit=3)
    book(sms_citizen, slots[0].id, actor=world.agent)
    book(letter_citizen, slots[1].id, actor=world.agent, letter_late_ok=True)
    gone = book(cancelled, slots[2].id, actor=world.agent)
    cancel_appointment(gone, actor=world.agent, by="agent")
    book(later, free_slots(world.municipality.id, from_day=wednesday, limit=1)[0].id, actor=world.agent)
    assert queue_reminders() == 1
    assert queue_reminders() == 0
    reminders = _sms("appointment_reminder")
    assert [m.to_e164 for m in reminders] == ["+31612345678"]
    clock.freeze(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # the next day: Kees
    assert queue_reminders() == 1
    assert [m.to_e164 for m in _sms("appointment_reminder")] == ["+31612345678", "+31622222222"]


def test_letters_and_calls_list_and_the_letter_print_view(world, client, login, post_form):
    letter = make_referral(world.agent, name="Gerrit Jansen", phone="030 123 4567", channel="letter",
                           street="Kanaalweg", city="Utrecht")
    call = make_referral(world.agent, name="Ria Bakker", phone="030 765 4321", channel="phone")
    slots = free_slots(world.municipality.id, limit=2)
    a = book(letter, slots[0].id, actor=world.agent, letter_late_ok=True)
    book(call, slots[1].id, actor=world.agent)
    assert _sms() == []  # neither gets SMS
    work = _open_tasks("appointment_confirmation")
    assert [t.referral_id for t in work if t.kind == "letter"] == [letter.id]
    assert [t.referral_id for t in work if t.kind == "call"] == [call.id]
    login(client, world.counter)
    page = client.get(f"/afspraken/{a.id}/brief").get_data(as_text=True)
    assert "Gerrit Jansen" in page and "Kanaalweg 14" in page and "maandag 23 november 2026 om 09:30" in page
    assert "class=\"letter\"" in page  # the print styles for .letter live in app.css
    letter.citizen.language = "en"
    db.session.commit()
    english = client.get(f"/afspraken/{a.id}/brief").get_data(as_text=True)
    assert "Dear Gerrit Jansen," in english  # the letter speaks the citizen's language
    letter_task = next(t for t in work if t.kind == "letter")
    response = post_form(client, f"/balie/taken/{letter_task.id}/gedaan", {}, get_url="/balie/taken")
    assert response.status_code == 302
    assert [t.kind for t in _open_tasks("appointment_confirmation")] == ["call"]


def test_the_history_is_append_only_and_transitions_are_checked(world):
    referral = make_referral(world.agent)
    change = db.session.execute(select(StatusChange)).scalar_one()
    change.note = "anders"
    with pytest.raises(RuntimeError):
        db.session.commit()
    db.session.rollback()
    referral = db.session.get(Referral, referral.id)
    with pytest.raises(DomainError):
        change_status(referral, "outcome_recorded", actor=world.agent)


# --- isolation ---------------------------------------------------------------------------------------

def test_other_organisations_get_404_and_see_nothing(world, client, login, post_form):
    referral = make_referral(world.agent)
    appointment = book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    urls = [f"/verwijzingen/{referral.id}", f"/verwijzingen/{referral.id}/afspraak",
            f"/verwijzingen/{referral.id}/bevestiging", f"/afspraken/{appointment.id}/verzetten",
            f"/afspraken/{appointment.id}/afzeggen", f"/afspraken/{appointment.id}/brief"]
    for user in (world.other_agent, world.other_counter):
        c = client.application.test_client()
        login(c, user)
        for url in urls:
            assert c.get(url).status_code == 404, (user.email, url)
        listing = "/verwijzingen" if user is world.other_agent else "/gemeente/verwijzingen"
        assert "Jan de Vries" not in c.get(listing).get_data(as_text=True)
    # The municipality it is addressed to, and the agency's lead, do see it; a colleague among all
    # of the organisation's referrals (issue 14: an agent's own come first).
    for user, listing in ((world.counter, "/gemeente/verwijzingen"), (world.lead, "/verwijzingen"),
                          (world.colleague, "/verwijzingen?alle=1")):
        c = client.application.test_client()
        login(c, user)
        assert "Jan de Vries" in c.get(listing).get_data(as_text=True)
        assert c.get(f"/verwijzingen/{referral.id}").status_code == 200


def test_the_agency_sees_status_and_outcome_never_the_counters_notes(world, client, login):
    referral = make_referral(world.agent)
    record_result(referral, result="solved", solution="course")
    db.session.commit()
    login(client, world.agent)
    page = client.get("/verwijzingen").get_data(as_text=True)
    assert "Geholpen; cursus Digisterker" in page and "Verwezen" in page


def test_roles_are_enforced(world, client, login):
    login(client, world.agent)
    assert client.get("/gemeente/locaties").status_code == 403
    assert client.get("/gemeente/brieven-en-telefoontjes").status_code == 403
    c = client.application.test_client()
    login(c, world.counter)
    assert c.get("/klantcontact/nieuw").status_code == 403


def test_the_hourly_job_reminds_once_and_keeps_slots_ahead(app, world):
    from referrals.jobs import hourly
    referral = make_referral(world.agent)
    book(referral, free_slots(world.municipality.id, from_day=date(2026, 11, 24), limit=1)[0].id, actor=world.agent)
    last_before = db.session.execute(select(func.max(Slot.starts_at))).scalar_one()
    db.session.rollback()  # end this session's transaction (on SQLite it holds the write lock)
    clock.freeze(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    with app.app_context():  # as the scheduler runs it: no request
        hourly()
        hourly()
    assert len(_sms("appointment_reminder")) == 1
    db.session.rollback()
    clock.freeze(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # a week later: a week more of slots
    with app.app_context():
        hourly()
    assert db.session.execute(select(func.max(Slot.starts_at))).scalar_one() > last_before + timedelta(days=6)


def test_confirmation_says_when_the_sms_cannot_be_sent(world, client, login, post_form):
    from messaging.services import set_opt_out
    set_opt_out("+31612345678", True, source="sms", keyword="STOP")
    db.session.commit()
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, limit=1)[0]
    login(client, world.agent)
    response = post_form(client, f"/verwijzingen/{referral.id}/afspraak", {"slot": slot.id})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sms niet verstuurd" in page


def test_a_second_booking_for_the_same_referral_at_the_same_moment_frees_its_seat(world):
    """Two agents book the same referral at once: the one-active-appointment index refuses the
    second (INSERT ... ON CONFLICT DO NOTHING), which gives back the seat it had claimed."""
    referral = make_referral(world.agent)
    first, second = free_slots(world.municipality.id, limit=2)
    book(referral, first.id, actor=world.agent)
    db.session.execute(Referral.__table__.update().where(Referral.id == referral.id).values(status="referred"))
    db.session.expire_all()
    stale = db.session.get(Referral, referral.id)  # as the second agent read it, before the first booked
    with pytest.raises(DomainError, match="net al een afspraak"):
        book(stale, second.id, actor=world.colleague)
    db.session.expire_all()
    assert db.session.get(Slot, second.id).booked == 0
    assert db.session.execute(select(func.count(Appointment.id))).scalar_one() == 1


def test_the_booking_writes_the_history_row_change_status_would_and_a_savepoint_undoes_it(world):
    """book() writes the status and its history row with Core statements (issue 16): the same row
    as change_status, the referral shows it without writing it again, and a caller's savepoint that
    rolls back leaves the loaded referral showing the database again, not the booked status."""
    from extensions import unit_of_work
    referral = make_referral(world.agent)
    first, second = free_slots(world.municipality.id, limit=2)
    with unit_of_work():
        with pytest.raises(RuntimeError):
            with unit_of_work():  # a SAVEPOINT
                book(referral, first.id, actor=world.agent)
                assert referral.status == "booked"
                raise RuntimeError("the caller fails after the booking")
        assert referral.status == "referred"
        assert db.session.get(Slot, first.id).booked == 0
    booked_at = clock.now()
    clock.freeze(booked_at)
    book(referral, second.id, actor=world.agent)
    assert referral.status == "booked" and referral.updated_at == booked_at
    assert not db.session.dirty
    db.session.expire_all()
    change = db.session.execute(select(StatusChange).where(StatusChange.to_status == "booked")).scalar_one()
    assert (change.referral_id, change.from_status, change.by_user_id, change.at) == (
        referral.id, "referred", world.agent.id, booked_at)
    assert change.owner_org_id == referral.owner_org_id and change.note.startswith("Afspraak ")
    assert referral.status == "booked" and referral.updated_at == booked_at


def test_a_stored_number_that_no_longer_parses_books_and_the_sms_is_stored_as_failed(world, client, login, post_form):
    """The booking writes without a savepoint (issue 16): nothing after its first write may refuse.
    A citizen's stored number that the phone library no longer accepts (a new number plan) books
    the appointment, stores the SMS as failed (never sent), tells the agent on the confirmation
    page, and becomes a call-back task; before, the SMS refused after the seat, appointment and
    status were written, and the request saved that half of a booking under an error message."""
    from referrals.models import Citizen
    from referrals.outreach import tasks_for_failed_sms
    referral = make_referral(world.agent)
    db.session.execute(Citizen.__table__.update().where(Citizen.id == referral.citizen_id)
                       .values(phone_e164="+31600000000"))
    db.session.commit()
    slot = free_slots(world.municipality.id, limit=1)[0]
    login(client, world.agent)
    response = post_form(client, f"/verwijzingen/{referral.id}/afspraak", {"slot": slot.id},
                         get_url=f"/verwijzingen/{referral.id}/afspraak")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sms niet verstuurd" in page and "niet (meer) geldig" in page
    db.session.expire_all()
    [sms] = _sms()
    assert sms.status == "failed" and sms.error_code == "invalid_number" and sms.to_e164 == "+31600000000"
    assert db.session.get(Slot, slot.id).booked == 1
    assert db.session.get(Referral, referral.id).status == "booked"
    assert tasks_for_failed_sms() == 1
    assert _open_tasks("sms_failed")[0].referral_id == referral.id


def test_a_number_that_no_longer_parses_does_not_stop_the_other_reminders(world):
    """The reminder job claims its appointments in batches (job_step): one stored number that no
    longer parses fails only its own SMS, stored as failed, not the batch."""
    from referrals.models import Citizen
    tuesday = date(2026, 11, 24)
    first, second = make_referral(world.agent), make_referral(world.agent, name="Kees", phone="06 22222222")
    slots = free_slots(world.municipality.id, from_day=tuesday, limit=2)
    book(first, slots[0].id, actor=world.agent)
    book(second, slots[1].id, actor=world.agent)
    db.session.execute(Citizen.__table__.update().where(Citizen.id == first.citizen_id).values(phone_e164="+31600000000"))
    db.session.commit()
    assert queue_reminders() == 2
    reminders = {m.to_e164: m for m in _sms("appointment_reminder")}
    assert reminders["+31622222222"].status == "queued"
    assert reminders["+31600000000"].status == "failed" and reminders["+31600000000"].error_code == "invalid_number"


def test_a_helpers_number_that_no_longer_parses_gets_no_copy_and_the_booking_goes_on(world):
    from referrals.models import Citizen
    referral = make_referral(world.agent)
    db.session.execute(Citizen.__table__.update().where(Citizen.id == referral.citizen_id)
                       .values(helper_phone_e164="+31600000000", helper_gets_copy=True))
    db.session.commit()
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    assert [m.purpose for m in _sms()] == ["appointment_confirmation"]
