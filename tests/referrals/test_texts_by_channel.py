"""Issue 11, the rest: where in the building and what to bring (the location's own settings) in every
text; letters on the work list printed from a code in the citizen's language; the booking warns when
a letter cannot arrive in time; a helper's copy; a call for a citizen who reads poorly; the agent
is told what to say; STOP keeps the appointment. The table of letters and call scripts renders
every text with the longest values the location form accepts."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import select

import courses.services  # noqa: F401 - registers the course letters
import helpdesk.services  # noqa: F401 - registers the second line's letter
import volunteers.services  # noqa: F401 - registers the buddy letters
from extensions import DomainError, clock, db
from messaging.models import OutboxMessage
from messaging.services import receive_inbound
from messaging.sms_texts import LONGEST_VALUES
from referrals import letters
from referrals.models import Location, Task
from referrals.services import (
    LetterTooLate,
    LocationInput,
    _task_texts,
    book,
    first_day_for_letter,
    free_slots,
    letter_too_late,
    save_location,
)
from tests.messaging.test_phone_and_texts import UNEXPLAINED
from tests.referrals.conftest import make_referral

# The longest room, street and city the location form accepts together (60), and what to bring (40).
ROOM, STREET, CITY = "Stadskantoor, 2e verdieping", "Stationsplein 12A", "Leidschendam"
BRING = LONGEST_VALUES["bring"]


def _sms(purpose):
    db.session.expire_all()
    return db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == purpose)
                              .order_by(OutboxMessage.id)).scalars().all()


def _tasks(**where):
    db.session.expire_all()
    return db.session.execute(select(Task).filter_by(**where).order_by(Task.id)).scalars().all()


def _longest_location(world) -> Location:
    return save_location(world.municipality.id, LocationInput(
        name="Stadskantoor", street=STREET, postcode="3511 AA", city=CITY, phone="0800 123 4567", room=ROOM,
        what_to_bring=BRING), location=world.location)


def _words(sentence: str) -> int:
    return len(re.sub(r"%\(\w+\)s", "X", sentence).split())  # a value counts as one word


# --- the location's settings -----------------------------------------------------------------------

def test_the_location_form_accepts_exactly_what_fits_every_sms(world):
    location = _longest_location(world)
    assert len(f"{location.room}, {location.street}, {location.city}") == len(LONGEST_VALUES["where"])
    with pytest.raises(DomainError) as err:
        save_location(world.municipality.id, LocationInput(
            name="Stadskantoor", street=STREET, postcode="3511 AA", city=CITY, phone="030 123 4567",
            room=ROOM + "!", what_to_bring=BRING), location=world.location)
    assert err.value.errors.keys() == {"room"}
    with pytest.raises(DomainError) as err:
        save_location(world.municipality.id, LocationInput(
            name="Stadskantoor", street=STREET, postcode="3511 AA", city=CITY, phone="030 123 4567",
            what_to_bring=BRING + "!"), location=world.location)
    assert err.value.errors.keys() == {"what_to_bring"}


def test_the_coordinator_sets_room_and_what_to_bring_and_every_text_uses_them(world, client, login, post_form):
    login(client, world.coordinator)
    url = f"/gemeente/locaties/{world.location.id}"
    form = {"name": "Stadskantoor", "street": "Stadsplein 1", "postcode": "3511 AA", "city": "Utrecht",
            "phone": "030 123 4567", "slot_minutes": "30", "counters": "1", "room": ROOM,
            "what_to_bring": "uw paspoort en de brief", "active": "y"}
    assert post_form(client, url, form).status_code == 302
    sms_citizen = make_referral(world.agent)
    letter_citizen = make_referral(world.agent, name="Gerrit Jansen", phone="030 765 4321", channel="letter",
                                   street="Kanaalweg", city="Utrecht")
    slots = free_slots(world.municipality.id, from_day=first_day_for_letter(), limit=2)
    book(sms_citizen, slots[0].id, actor=world.agent)
    appointment = book(letter_citizen, slots[1].id, actor=world.agent)
    [sms] = _sms("appointment_confirmation")
    assert f"Waar: {ROOM}, Stadsplein 1, Utrecht. Neem mee: uw paspoort en de brief." in sms.body
    counter = client.application.test_client()
    login(counter, world.counter)
    letter = counter.get(f"/afspraken/{appointment.id}/brief").get_data(as_text=True)
    assert f"{ROOM}, Stadsplein 1" in letter and "uw paspoort en de brief" in letter
    detail = counter.get(f"/verwijzingen/{letter_citizen.id}").get_data(as_text=True)
    assert ROOM in detail and "Neem mee: uw paspoort en de brief." in detail


def test_an_english_citizen_gets_the_english_text_of_what_to_bring(world, client, login, post_form):
    login(client, world.coordinator)
    url = f"/gemeente/locaties/{world.location.id}"
    form = {"name": "Stadskantoor", "street": "Stadsplein 1", "postcode": "3511 AA", "city": "Utrecht",
            "phone": "030 123 4567", "slot_minutes": "30", "counters": "1", "room": "",
            "what_to_bring": "", "what_to_bring_en": "your passport and the letter", "active": "y"}
    response = post_form(client, url, form)
    assert response.status_code == 422 and "Vul ook de Nederlandse tekst in" in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.location.what_to_bring_en == ""  # nothing half-saved
    form["what_to_bring"] = "uw paspoort en de brief"
    assert post_form(client, url, form).status_code == 302
    english = make_referral(world.agent, language="en")
    dutch = make_referral(world.agent, name="Ans de Boer", phone="06 23456789")
    letter_citizen = make_referral(world.agent, name="Gerrit Jansen", phone="030 765 4321", channel="letter",
                                   street="Kanaalweg", city="Utrecht", language="en")
    slots = free_slots(world.municipality.id, from_day=first_day_for_letter(), limit=3)
    book(english, slots[0].id, actor=world.agent)
    book(dutch, slots[1].id, actor=world.agent)
    appointment = book(letter_citizen, slots[2].id, actor=world.agent)
    english_sms, dutch_sms = _sms("appointment_confirmation")
    assert "Bring: your passport and the letter." in english_sms.body
    assert "Neem mee: uw paspoort en de brief." in dutch_sms.body
    letter = client.get(f"/afspraken/{appointment.id}/brief").get_data(as_text=True)
    assert "your passport and the letter" in letter and "uw paspoort" not in letter


def test_without_a_setting_the_citizen_brings_a_passport_or_id_card_in_their_language(world):
    english = make_referral(world.agent, language="en")
    book(english, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    [sms] = _sms("appointment_confirmation")
    assert "Bring: passport or ID card." in sms.body and "Can't come? Reply AFZEGGEN" in sms.body


# --- the letters and the call scripts, with the longest values ------------------------------------------

@pytest.mark.parametrize("code, language", [(c, lang) for c in letters.LETTERS for lang in ("nl", "en")])
def test_every_letter_in_both_languages_with_the_longest_values(world, code, language):
    location = _longest_location(world)
    values = {"location_id": location.id, "at": datetime(2026, 9, 30, 12, 30, tzinfo=UTC).isoformat(),
              "title": LONGEST_VALUES["course"], "note": "Neem uw telefoon mee."}
    with force_locale(language):
        subject, paragraphs = letters.render(code, values, location)
        dutch = force_locale("nl")
    with dutch:
        dutch_subject, _paragraphs = letters.render(code, values, location)
    text = " ".join(paragraphs)
    assert subject and paragraphs and location.phone in text, f"{code}/{language}: no number to call"
    assert language == "nl" or subject != dutch_subject, f"{code}: no English"
    assert not UNEXPLAINED.search(text), f"{code}/{language}: a word without explanation"
    if code.startswith("course_") and code != "course_removed":
        assert "DigiD" in text, f"{code}: explain Digisterker once"
    for paragraph in letters.LETTERS[code].paragraphs:
        for sentence in re.split(r"(?<=[.?!])\s+", str(paragraph)):
            assert _words(sentence) <= 12, f"{code}/{language}: a long sentence: {sentence!r}"


@pytest.mark.parametrize("purpose", ["appointment_confirmation", "appointment_moved", "appointment_cancelled",
                                     "appointment_reminder"])
def test_every_call_script_names_the_number_and_the_letters_are_whole(world, purpose):
    location = _longest_location(world)
    referral = make_referral(world.agent, channel="phone", phone="030 765 4321")
    appointment = book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    call, letter = _task_texts(appointment, location, referral.citizen, purpose)
    assert location.phone in call and (not letter or location.phone in letter)
    if purpose != "appointment_cancelled":
        assert ROOM in call and BRING in call, "where in the building and what to bring"
    assert not re.search(r"kenmerk|referentie", call + letter, re.IGNORECASE)


def test_an_old_letter_task_without_a_code_prints_its_stored_text(world, client, login):
    from referrals.outreach import add_task
    add_task(municipality_id=world.municipality.id, referral_id=None, kind="letter", reason="other",
             description="Een brief van voor de codes.", dedup_key="old")
    db.session.commit()
    [task] = _tasks(reason="other")
    login(client, world.counter)
    page = client.get(f"/balie/taken/{task.id}/brief").get_data(as_text=True)
    assert "Een brief van voor de codes." in page


def test_a_cancellation_letter_is_printed_in_english_for_an_english_citizen(world, client, login):
    from referrals.services import cancel_appointment
    referral = make_referral(world.agent, name="Gerrit Jansen", phone="030 765 4321", channel="letter",
                             street="Kanaalweg", city="Utrecht", language="en")
    appointment = book(referral, free_slots(world.municipality.id, from_day=first_day_for_letter(), limit=1)[0].id,
                       actor=world.agent)
    cancel_appointment(appointment, actor=world.counter, by="counter")
    db.session.commit()
    [task] = _tasks(reason="appointment_cancelled", kind="letter")
    assert task.letter == "appointment_cancelled" and "Gerrit" not in str(task.letter_values)
    login(client, world.counter)
    page = client.get(f"/balie/taken/{task.id}/brief").get_data(as_text=True)
    for part in ("Dear Gerrit Jansen,", "Subject: Your appointment is cancelled", "is cancelled.",
                 "Call us on 030 123 4567", "Stadsplein 1, 3511 AA Utrecht", "Gemeente Utrecht"):
        assert part in page, part


# --- a letter that cannot arrive in time ------------------------------------------------------------------

@pytest.mark.parametrize("day, late", [
    (date(2026, 11, 25), True),   # Wednesday: two working days after Monday
    (date(2026, 11, 26), False),  # Thursday: three
    (date(2026, 12, 28), False),
])
def test_a_letter_needs_three_working_days(world, day, late):
    from extensions.dates import AMSTERDAM
    assert letter_too_late(datetime(day.year, day.month, day.day, 9, tzinfo=AMSTERDAM)) is late


def test_three_working_days_skip_christmas(world):
    clock.freeze(datetime(2026, 12, 23, 9, tzinfo=UTC))  # Wednesday; 25 and 26 December are holidays
    assert first_day_for_letter() == date(2026, 12, 29)


def test_booking_warns_the_agent_when_the_letter_comes_too_late(world, client, login, post_form):
    letter = make_referral(world.agent, name="Gerrit Jansen", phone="030 765 4321", channel="letter",
                           street="Kanaalweg", city="Utrecht")
    login(client, world.agent)
    url = f"/verwijzingen/{letter.id}/afspraak"
    page = client.get(url).get_data(as_text=True)
    assert "komt op tijd aan bij een afspraak vanaf donderdag 26 november" in page
    soon = free_slots(world.municipality.id, limit=1)[0]
    warned = post_form(client, url, {"slot": soon.id})
    assert warned.status_code == 422 and _tasks() == []
    text = warned.get_data(as_text=True)
    assert "minder dan drie werkdagen" in text and 'name="letter_late_ok"' in text
    assert f'value="{soon.id}" checked' in text  # the chosen time stays chosen
    booked = post_form(client, url, {"slot": soon.id, "letter_late_ok": "y"})
    assert booked.status_code == 302
    confirmation = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert "De brief komt misschien te laat." in confirmation
    with pytest.raises(LetterTooLate):  # moving it to a time too soon warns as well
        from referrals.services import current_appointment, referral_for_user, reschedule
        appointment = current_appointment(referral_for_user(letter.id, user=world.agent))
        reschedule(appointment, free_slots(world.municipality.id, limit=3)[2].id, actor=world.agent, by="agent")


def test_an_sms_citizen_is_never_warned_about_a_letter(world, client, login, post_form):
    referral = make_referral(world.agent)
    login(client, world.agent)
    url = f"/verwijzingen/{referral.id}/afspraak"
    assert "komt op tijd aan" not in client.get(url).get_data(as_text=True)
    assert post_form(client, url, {"slot": free_slots(world.municipality.id, limit=1)[0].id}).status_code == 302


# --- support needs, the agent's words, STOP ----------------------------------------------------------------

def test_the_helper_gets_a_copy_of_the_confirmation_and_the_reminder_with_consent(world):
    from referrals.services import queue_reminders
    referral = make_referral(world.agent, name="Ria Bakker", brings_helper=True, helper_name="Kees Bakker",
                             helper_phone="06 11122233", helper_gets_copy=True)
    without = make_referral(world.agent, name="Jan", phone="06 33333333", brings_helper=True,
                            helper_name="Piet", helper_phone="06 44444444")
    slots = free_slots(world.municipality.id, from_day=date(2026, 11, 24), limit=2)
    book(referral, slots[0].id, actor=world.agent)
    book(without, slots[1].id, actor=world.agent)
    [copy] = _sms("helper_confirmation")
    assert copy.to_e164 == "+31611122233" and copy.body.startswith("Gemeente Utrecht: Ria heeft een afspraak")
    assert "030 123 4567" in copy.body
    queue_reminders()
    [reminder] = _sms("helper_reminder")
    assert reminder.to_e164 == "+31611122233" and "afspraak van Ria: morgen 09:00" in reminder.body


def test_a_helper_copy_needs_the_helpers_mobile_number(world):
    with pytest.raises(DomainError) as err:
        make_referral(world.agent, brings_helper=True, helper_name="Kees", helper_gets_copy=True)
    assert "helper_phone" in err.value.errors


def test_a_citizen_who_reads_poorly_gets_the_sms_and_a_call_that_reads_it_out(world):
    referral = make_referral(world.agent, reads_poorly=True)
    book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    [sms] = _sms("appointment_confirmation")
    [call] = _tasks(kind="call", reason="appointment_confirmation")
    assert "leest slecht" in call.description and sms.body in call.description
    assert "Jan de Vries" not in call.description  # the work list shows the citizen from the record


@pytest.mark.parametrize("channel, extra, said", [
    ("sms", {}, "U krijgt een sms van Gemeente Utrecht."),
    ("letter", {"phone": "030 765 4321", "street": "Kanaalweg", "city": "Utrecht"},
     "U krijgt een brief van Gemeente Utrecht."),
    ("phone", {"phone": "030 765 4321"}, "Gemeente Utrecht belt u om de afspraak te bevestigen."),
])
def test_the_confirmation_page_tells_the_agent_what_to_say(world, client, login, post_form, channel, extra, said):
    referral = make_referral(world.agent, channel=channel, **extra)
    book(referral, free_slots(world.municipality.id, from_day=first_day_for_letter(), limit=1)[0].id,
         actor=world.agent)
    login(client, world.agent)
    page = client.get(f"/verwijzingen/{referral.id}/bevestiging").get_data(as_text=True)
    assert "Zeg tegen de inwoner" in page and said in page and "Neem mee: paspoort of ID-kaart." in page
    assert "De brief komt misschien te laat." not in page


def test_stop_says_the_appointment_still_stands_and_how_to_cancel(world):
    referral = make_referral(world.agent)
    book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    reply = receive_inbound(provider_sid="SM1", from_number="+31612345678", to_number="x", body="STOP")
    assert reply.startswith("Gemeente Utrecht: u krijgt geen sms meer.")
    assert "gaat wel door" in reply and "030 123 4567" in reply
    other = receive_inbound(provider_sid="SM2", from_number="+31699999999", to_number="x", body="STOP")
    assert other.startswith("U krijgt geen sms meer van Wegwijs.")
