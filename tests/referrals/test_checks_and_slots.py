"""BSN detection, postcodes, and turning opening hours into slots (holidays, closures, counters)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from extensions import DomainError, clock, db
from extensions.dates import AMSTERDAM
from referrals.checks import contains_bsn, normalise_house_number, normalise_postcode
from referrals.models import Slot
from referrals.services import add_closure, book, free_slots, municipality_for_postcode, set_opening_hours
from referrals.slots import sync_location
from tests.referrals.conftest import make_location, make_referral


@pytest.mark.parametrize("text", ["111222333", "bsn 111 222 333", "111.222.333", "BSN: 11.12.22.333",
                                  "geboren 01-02-1950, 111222333", "nummer 123456782"])
def test_a_valid_bsn_is_found(text):
    assert contains_bsn(text)


@pytest.mark.parametrize("text", ["", "bel 06 12345678", "0612345678", "tel 020-1234567", "123456789",
                                  "postcode 3512 AB 14", "1112223330", "op 23-11-2026 om 10:30"])
def test_other_numbers_are_not_a_bsn(text):
    assert not contains_bsn(text)


def test_postcodes_and_house_numbers():
    assert normalise_postcode("3512ab") == "3512 AB"
    for bad in ("", "3512", "0123 AB", "3512 SS", "ABCD 12"):
        with pytest.raises(DomainError) as err:
            normalise_postcode(bad)
        assert err.value.field == "postcode"
    assert normalise_house_number("12 a") == "12 A"
    with pytest.raises(DomainError):
        normalise_house_number("0")


def test_postcode_finds_the_municipality_by_pc4(world):
    assert municipality_for_postcode("3511 AA").id == world.municipality.id
    assert municipality_for_postcode("3811 AA").id == world.other_municipality.id
    assert municipality_for_postcode("9999 AA") is None


def _local_starts(location_id, day):
    rows = db.session.execute(select(Slot.starts_at).where(Slot.location_id == location_id)
                              .order_by(Slot.starts_at)).scalars()
    return [s.astimezone(AMSTERDAM).time() for s in rows if s.astimezone(AMSTERDAM).date() == day]


def test_slots_follow_hours_length_and_counters(world):
    location = make_location(world.municipality, counters=3, slot_minutes=45, name="Wijkbureau",
                             hours={1: [(time(9), time(12)), (time(13), time(14, 30))]})
    tuesday = date(2026, 11, 24)
    assert _local_starts(location.id, tuesday) == [time(9), time(9, 45), time(10, 30), time(11, 15), time(13),
                                                      time(13, 45)]
    assert _local_starts(location.id, date(2026, 11, 23)) == []  # closed on Mondays
    slots = db.session.execute(select(Slot).where(Slot.location_id == location.id)).scalars().all()
    assert {s.capacity for s in slots} == {3}
    # BOOKING_WEEKS_AHEAD (6) weeks ahead: the last Tuesday before 4 January.
    assert max(s.starts_at for s in slots).astimezone(AMSTERDAM).date() == date(2026, 12, 29)


def test_dutch_public_holidays_are_closed_by_themselves(world):
    location = world.location
    assert _local_starts(location.id, date(2026, 12, 24)) != []  # an ordinary Thursday
    assert _local_starts(location.id, date(2026, 12, 25)) == []  # Christmas
    sync_location(location, start=date(2027, 4, 26), end=date(2027, 4, 29))
    db.session.commit()
    assert _local_starts(location.id, date(2027, 4, 27)) == []  # King's Day
    assert _local_starts(location.id, date(2027, 4, 28)) != []


def test_closures_remove_free_slots_and_keep_booked_ones(world):
    referral = make_referral(world.agent)
    wednesday = date(2026, 11, 25)
    slot = free_slots(world.municipality.id, from_day=wednesday, limit=1)[0]
    book(referral, slot.id, actor=world.agent)
    affected = add_closure(world.location, wednesday, wednesday, "Verbouwing")
    assert [a.referral_id for a in affected] == [referral.id]
    remaining = db.session.execute(select(Slot).where(Slot.location_id == world.location.id)).scalars().all()
    on_wednesday = [s for s in remaining if s.starts_at.astimezone(AMSTERDAM).date() == wednesday]
    assert [(s.id, s.capacity, s.booked) for s in on_wednesday] == [(slot.id, 1, 1)]
    assert all(s.starts_at.astimezone(AMSTERDAM).date() != wednesday
               for s in free_slots(world.municipality.id, from_day=wednesday, limit=5))


def test_changing_hours_keeps_booked_slots_and_moves_the_rest(world):
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, from_day=date(2026, 11, 24), limit=1)[0]
    book(referral, slot.id, actor=world.agent)
    set_opening_hours(world.location, {d: [(time(13), time(15))] for d in range(5)})
    kept = db.session.get(Slot, slot.id)
    assert (kept.capacity, kept.booked) == (1, 1)
    assert _local_starts(world.location.id, date(2026, 11, 26)) == [time(13), time(13, 30), time(14), time(14, 30)]
    with pytest.raises(DomainError):
        set_opening_hours(world.location, {0: [(time(12), time(9))]})


def test_past_slots_are_never_touched(world):
    clock.freeze(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    before = db.session.execute(select(Slot.id).where(Slot.starts_at < clock.now())).scalars().all()
    set_opening_hours(world.location, {})
    after = db.session.execute(select(Slot.id).where(Slot.starts_at < clock.now())).scalars().all()
    assert before == after and before
    assert free_slots(world.municipality.id) == []
    assert clock.now() - timedelta(hours=1)  # keeps the clock frozen for the fixture to reset


def test_a_cancelled_appointments_slot_is_kept_closed_when_the_location_changes(world, client, login, post_form):
    """A cancelled or moved appointment still points to its slot: a closure, new hours, a new slot
    length or a location switched off keep that slot, with capacity 0 (it is never offered), instead
    of failing on the foreign key (a 500 for the coordinator, found by trying it)."""
    from referrals.models import Appointment
    from referrals.services import LocationInput, cancel_appointment, save_location
    wednesday = date(2026, 11, 25)
    slot = free_slots(world.municipality.id, from_day=wednesday, limit=1)[0]
    appointment = book(make_referral(world.agent), slot.id, actor=world.agent)
    cancel_appointment(appointment, actor=world.agent, by="agent")
    db.session.commit()
    login(client, world.coordinator)
    response = post_form(client, f"/gemeente/locaties/{world.location.id}/sluitingen",
                         {"starts_on": wednesday.isoformat(), "ends_on": wednesday.isoformat(), "reason": "Verbouwing"})
    assert response.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Slot, slot.id)
    assert (kept.capacity, kept.booked) == (0, 0) and db.session.get(Appointment, appointment.id).slot_id == slot.id
    assert slot.id not in [s.id for s in free_slots(world.municipality.id, from_day=wednesday, limit=50)]
    location = db.session.get(type(world.location), world.location.id)
    set_opening_hours(location, {})
    save_location(world.municipality.id, LocationInput(name=location.name, street=location.street,
                                                       postcode=location.postcode, city=location.city,
                                                       phone=location.phone, slot_minutes=20, active=False),
                  location=location)
    db.session.commit()
    assert db.session.get(Slot, slot.id).capacity == 0


def test_a_new_slot_length_keeps_a_booked_slot_at_its_old_length(world):
    """30 to 20 minutes: the booked 09:00 to 09:30 stays as it is, with no second slot at 09:00 (the
    unique start per location); a free slot takes the new length in place."""
    from referrals.services import LocationInput, save_location
    tuesday = date(2026, 11, 24)
    first, _half_past, ten = free_slots(world.municipality.id, from_day=tuesday, limit=3)  # 09:00, 09:30, 10:00
    first_at, ten_at = first.starts_at, ten.starts_at  # 10:00 is on both grids
    book(make_referral(world.agent), first.id, actor=world.agent)
    location = world.location
    save_location(world.municipality.id, LocationInput(name=location.name, street=location.street,
                                                       postcode=location.postcode, city=location.city,
                                                       phone=location.phone, slot_minutes=20), location=location)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Slot, first.id)
    assert (kept.ends_at - kept.starts_at, kept.capacity, kept.booked) == (timedelta(minutes=30), 1, 1)
    day = _local_starts(location.id, tuesday)
    assert day.count(first_at.astimezone(AMSTERDAM).time()) == 1 and time(9, 20) in day
    resized = db.session.execute(select(Slot).where(Slot.location_id == location.id, Slot.starts_at == ten_at)).scalar_one()
    assert resized.id == ten.id and resized.ends_at - resized.starts_at == timedelta(minutes=20)


def test_the_same_closure_twice_is_refused_with_a_message(world, client, login, post_form):
    login(client, world.coordinator)
    form = {"starts_on": "2026-11-25", "ends_on": "2026-11-26", "reason": "Verbouwing"}
    url = f"/gemeente/locaties/{world.location.id}/sluitingen"
    assert post_form(client, url, form).status_code == 302
    again = post_form(client, url, {**form, "ends_on": "2026-11-25"})  # within the first one
    assert again.status_code == 422 and "al gesloten" in again.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(type(world.location), world.location.id).closures) == 1


def test_a_seat_freed_on_a_slot_the_location_no_longer_wants_is_not_offered_again(world):
    """Switched off (or new hours, a new length): a booked slot keeps only its booked seats. Its
    cancellation closes it at once, instead of offering it until the hourly sync (which passes
    locations that are switched off)."""
    from referrals.services import LocationInput, cancel_appointment, save_location
    slot = free_slots(world.municipality.id, limit=1)[0]
    appointment = book(make_referral(world.agent), slot.id, actor=world.agent)
    location = world.location
    save_location(world.municipality.id, LocationInput(name=location.name, street=location.street,
                                                       postcode=location.postcode, city=location.city,
                                                       phone=location.phone, active=False), location=location)
    db.session.commit()
    cancel_appointment(appointment, actor=world.agent, by="agent")
    db.session.commit()
    db.session.expire_all()
    assert (db.session.get(Slot, slot.id).capacity, db.session.get(Slot, slot.id).booked) == (0, 0)
    assert free_slots(world.municipality.id, limit=5) == []
