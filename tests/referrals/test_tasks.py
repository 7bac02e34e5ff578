"""The one work list: booking, moving and cancelling for a letter or phone citizen make tasks in the
same transaction; AFZEGGEN makes a task for the municipality; the agency's line comes from codes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from extensions import db
from messaging.models import OutboxMessage
from referrals.models import Task
from referrals.services import (
    SlotTaken,
    agency_line,
    book,
    cancel_appointment,
    free_slots,
    record_result,
    reschedule,
)
from tests.referrals.conftest import make_referral


def _tasks():
    return db.session.execute(select(Task).order_by(Task.id)).scalars().all()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_a_letter_citizen_gets_a_letter_task_that_prints_the_appointment_letter(world, client, login, post_form):
    world.location.what_to_bring = "Uw paspoort en de brief van de Belastingdienst"
    db.session.commit()
    referral = make_referral(world.agent, name="Gerrit Jansen", phone="030 123 4567", channel="letter",
                             street="Kanaalweg", city="Utrecht")
    slots = free_slots(world.municipality.id, limit=3)
    appointment = book(referral, slots[0].id, actor=world.agent, letter_late_ok=True)
    [task] = _tasks()
    assert (task.kind, task.reason, task.referral_id, task.appointment_id, task.municipality_id) == (
        "letter", "appointment_confirmation", referral.id, appointment.id, world.municipality.id)
    assert "maandag 23 november om 09:30" in task.description and "Stadskantoor" in task.description
    assert db.session.execute(select(OutboxMessage)).first() is None

    login(client, world.counter)
    page = _text(client.get("/balie/taken"))
    assert "Afspraak bevestigen" in page and "Gerrit Jansen" in page and "030 123 4567" in page
    letter = _text(client.get(f"/balie/taken/{task.id}/brief"))
    for part in ("Beste Gerrit Jansen", "Kanaalweg 14", "maandag 23 november 2026 om 09:30", "Stadskantoor",
                 "Stadsplein 1, 3511 AA Utrecht", "Uw paspoort en de brief van de Belastingdienst"):
        assert part in letter, part

    # Moved: the letter with the old time is withdrawn, a letter with the new time is on the list.
    moved = reschedule(appointment, slots[2].id, actor=world.agent, by="agent", letter_late_ok=True)
    db.session.expire_all()
    old, new = _tasks()
    assert old.withdrawn and old.done_by_id is None
    assert (new.kind, new.reason, new.appointment_id) == ("letter", "appointment_moved", moved.id)
    letter = _text(client.get(f"/balie/taken/{new.id}/brief"))
    assert "De oude afspraak geldt niet meer" in letter and "maandag 23 november 2026 om 10:30" in letter
    assert "Uw paspoort" in letter

    # Cancelled by the agency: the letter about the move is withdrawn, a cancellation letter replaces it.
    cancel_appointment(db.session.get(type(moved), moved.id), actor=world.agent, by="agent")
    db.session.expire_all()
    tasks = _tasks()
    assert [t.withdrawn for t in tasks] == [True, True, False]
    assert (tasks[-1].kind, tasks[-1].reason) == ("letter", "appointment_cancelled")
    assert "gaat niet door" in tasks[-1].description and "030 123 4567" in tasks[-1].description
    assert "Vervallen" in _text(client.get("/balie/taken?status=gedaan"))
    # Done by the counter: by whom, and off the open list.
    assert post_form(client, f"/balie/taken/{tasks[-1].id}/gedaan", get_url="/balie/taken").status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, tasks[-1].id).done_by_id == world.counter.id
    assert "Geen open taken" in _text(client.get("/balie/taken"))


def test_a_phone_citizen_gets_a_call_task_that_says_what_to_tell(world):
    referral = make_referral(world.agent, name="Ria Bakker", phone="030 765 4321", channel="phone")
    appointment = book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    [task] = _tasks()
    assert (task.kind, task.reason, task.appointment_id) == ("call", "appointment_confirmation", appointment.id)
    # The task refers to the citizen (the work list shows name and number from the referral): the
    # stored text copies neither.
    assert "Ria Bakker" not in task.description and "765 4321" not in task.description
    assert task.description.startswith("Bel de inwoner om de afspraak te bevestigen: maandag 23 "
                                       "november om 09:30, Stadskantoor, Stadsplein 1, 3511 AA Utrecht. Zeg wie belt "
                                       "(Gemeente Utrecht). Neem mee:")
    assert task.description.endswith("Niet komen? Bel 030 123 4567.")  # the number the citizen may call


def test_an_sms_citizen_gets_no_task(world):
    referral = make_referral(world.agent)
    appointment = book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    cancel_appointment(appointment, actor=world.agent, by="agent")
    assert _tasks() == []


def test_a_failed_booking_leaves_no_task(world):
    first = make_referral(world.agent)
    second = make_referral(world.agent, name="Ria Bakker", phone="030 765 4321", channel="phone")
    slot = free_slots(world.municipality.id, limit=1)[0]
    book(first, slot.id, actor=world.agent)
    with pytest.raises(SlotTaken):  # the slot is full
        book(second, slot.id, actor=world.agent)
    assert _tasks() == []


def test_the_agency_line_is_derived_from_the_codes(world):
    referral = make_referral(world.agent)
    record_result(referral, result="solved", solution="none")
    assert agency_line(referral) == "Geholpen"
    record_result(referral, result="partly", solution="buddy")
    assert agency_line(referral) == "Deels geholpen; maatje (vrijwilliger) wordt gezocht"
    record_result(referral, solution="course", step="course_waiting")
    assert agency_line(referral) == "Deels geholpen; op de wachtlijst voor cursus Digisterker"
    record_result(referral, result="not", solution="escalation", step="escalation_sent")
    assert agency_line(referral) == "Niet opgelost; bij de tweede lijn"
    with pytest.raises(ValueError):
        record_result(referral, step="ergens")


def test_the_open_task_count_stops_at_the_pagers_cap(world, client, login):
    """The work list says how many tasks are open without counting a year of them: up to 1.000 the
    number, above it "meer dan 1.000" (the pager's own cap)."""
    from sqlalchemy import insert

    def add(n: int, start: int) -> None:
        db.session.execute(insert(Task), [dict(municipality_id=world.municipality.id, kind="call", reason="no_show",
                                               description=f"Bel terug {i}") for i in range(start, start + n)])
        db.session.commit()

    login(client, world.counter)
    add(1000, 0)
    assert "Open taken: 1.000." in _text(client.get("/balie/taken"))
    add(1, 1000)
    page = _text(client.get("/balie/taken"))
    assert "Open taken: meer dan 1.000." in page and "1.001" not in page
