"""Issue 11: every citizen knows who writes, what to do and whom to call, by the channel they chose.
The sender's short name (a coordinator setting), the agency with its article, cancel replies as
people write them, one helpful answer to an unclear reply, the phone citizen's reminder call, and
letters that are never cut off."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from extensions import DomainError, db
from messaging.models import OutboxMessage
from messaging.services import receive_inbound
from referrals.models import Appointment, Task
from referrals.outreach import add_task
from referrals.services import book, free_slots, is_cancel, queue_reminders, set_sms_name
from tests.referrals.conftest import make_referral


def _sms(purpose):
    return db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == purpose)
                              .order_by(OutboxMessage.id)).scalars().all()


def _tasks(reason):
    return db.session.execute(select(Task).where(Task.reason == reason).order_by(Task.id)).scalars().all()


def test_the_confirmation_names_the_sender_and_the_agency_with_its_article(world):
    set_sms_name(world.municipality.id, "Gemeente Den Bosch", actor=world.coordinator)
    referral = make_referral(world.agent)
    book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    [sms] = _sms("appointment_confirmation")
    assert sms.body.startswith("Gemeente Den Bosch: De Belastingdienst heeft een afspraak voor u gemaakt.")
    assert "paspoort of ID-kaart" in sms.body and "030 123 4567" in sms.body and " ID " not in sms.body


def test_without_a_setting_the_sender_is_the_municipalitys_name_cut_at_a_word(world):
    from accounts.models import default_sms_name
    assert world.municipality.sms_sender == "Gemeente Utrecht"
    assert default_sms_name("Gemeente Hardinxveld-Giessendam en omstreken") == "Gemeente"
    assert len(default_sms_name("Gemeente 's-Hertogenbosch")) <= 24


@pytest.mark.parametrize("name", ["Gemeente Hardinxveld-Giessendam", "Gemeente Súdwest-Fryslân"])
def test_the_sender_setting_refuses_what_does_not_fit_an_sms(world, name):
    with pytest.raises(DomainError) as err:
        set_sms_name(world.municipality.id, name, actor=world.coordinator)
    assert err.value.field == "sms_name"


def test_the_coordinator_sets_the_sender_on_the_locations_page(world, client, login, post_form):
    login(client, world.coordinator)
    page = client.get("/gemeente/locaties").get_data(as_text=True)
    assert "Gemeente Utrecht" in page and 'name="sms_name"' in page
    too_long = post_form(client, "/gemeente/afzender", {"sms_name": "x" * 25}, get_url="/gemeente/locaties")
    assert too_long.status_code == 422
    ok = post_form(client, "/gemeente/afzender", {"sms_name": "Utrecht Stadsloket"}, get_url="/gemeente/locaties")
    assert ok.status_code == 302
    db.session.expire_all()
    assert world.municipality.sms_sender == "Utrecht Stadsloket"


@pytest.mark.parametrize("body", ["AFZEGGEN", "af zeggen", "AFZEGEN", "ik wil afzeggen", "annuleren",
                                  "ik kan niet komen", "CANCEL", "Ik kan morgen niet komen."])
def test_cancelling_is_understood_as_people_write_it(world, body):
    assert is_cancel(body)
    referral = make_referral(world.agent)
    appointment = book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    reply = receive_inbound(provider_sid="SM1", from_number="+31612345678", to_number="x", body=body)
    assert "is afgezegd" in reply and "030 123 4567" in reply
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "cancelled"


@pytest.mark.parametrize("body", ["ja", "hallo, ik kom wel", "Ik wil niet afzeggen maar heb een vraag over de "
                                  "brief die ik kreeg van de belastingdienst"])
def test_other_words_do_not_cancel(body):
    assert not is_cancel(body)


def test_an_unclear_reply_gets_one_helpful_answer_with_the_phone_number(world):
    referral = make_referral(world.agent)
    appointment = book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    reply = receive_inbound(provider_sid="SM1", from_number="+31612345678", to_number="x", body="wat moet ik doen")
    assert reply.startswith("Gemeente Utrecht: wij begrijpen uw bericht niet.") and "030 123 4567" in reply
    assert "AFZEGGEN" in reply
    again = receive_inbound(provider_sid="SM2", from_number="+31612345678", to_number="x", body="???")
    assert again is None  # one answer a day: two auto-responders never ping-pong
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "booked"


def test_a_phone_citizen_gets_a_call_task_the_day_before(world):
    referral = make_referral(world.agent, name="Ria Bakker", phone="030 765 4321", channel="phone")
    letter = make_referral(world.agent, name="Gerrit", phone="030 123 4567", channel="letter",
                           street="Kanaalweg", city="Utrecht")
    slots = free_slots(world.municipality.id, from_day=date(2026, 11, 24), limit=2)
    appointment = book(referral, slots[0].id, actor=world.agent)
    book(letter, slots[1].id, actor=world.agent, letter_late_ok=True)
    assert queue_reminders() == 1  # the phone citizen; the letter citizen's letter came with the booking
    assert queue_reminders() == 0
    [task] = _tasks("appointment_reminder")
    assert (task.kind, task.appointment_id) == ("call", appointment.id)
    assert "Gemeente Utrecht" in task.description and "030 123 4567" in task.description


def test_a_letter_task_is_never_cut_off(world):
    body = "Dit is een lange brief. " * 40
    add_task(municipality_id=world.municipality.id, referral_id=None, kind="letter", reason="other",
             description=body, dedup_key="long")
    db.session.commit()
    [task] = _tasks("other")
    assert len(body) > 400 and task.description == body


def test_the_moved_letter_says_the_old_one_no_longer_counts_and_names_no_kenmerk(world, client, login):
    referral = make_referral(world.agent, name="Gerrit Jansen", phone="030 123 4567", channel="letter",
                             street="Kanaalweg", city="Utrecht")
    appointment = book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent,
                       letter_late_ok=True)
    login(client, world.counter)
    page = client.get(f"/afspraken/{appointment.id}/brief").get_data(as_text=True)
    assert "De Belastingdienst heeft die voor u gemaakt." in page
    assert "paspoort of ID-kaart" in page and "Kenmerk" not in page and "030 123 4567" in page
