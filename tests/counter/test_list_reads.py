"""Pages that show citizens' personal data write the processing log: a line per person shown (one
operation and one audit record for the page, one bulk insert), the booking and confirmation pages
a line for the referral's citizen. An empty list logs nothing."""
from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import event, select

from counter.services import sweep_stale
from extensions import clock, db
from privacy import activities
from privacy.services import pseudonym
from referrals.models import Referral, Task
from referrals.services import ReferralInput, book, create_referral, free_slots
from tests.counter.conftest import booked, checked_in
from tests.counter.test_counter import OUTCOME, app_client_for, text_of
from tests.counter.test_stale_and_jobs import at, refer
from tests.privacy.lines import log_rows
from tests.referrals.conftest import make_location


def _citizen(referral_id: int) -> str:
    return pseudonym("citizen", db.session.get(Referral, referral_id).citizen_id)


def _one_list_read(client, url, activity_id, persons, user):
    """The page logs one operation: a line per person shown, with this activity, by this user."""
    before = {row.id for row in log_rows()}
    response = client.get(url)
    assert response.status_code == 200, url
    new = [row for row in log_rows() if row.id not in before]
    assert sorted(row.person for row in new) == sorted(persons), url
    if not persons:
        return new
    assert {(row.activity_id, row.action, row.actor_id) for row in new} == {(activity_id, "read", user.id)}
    assert len({row.operation_id for row in new}) == 1
    return new


def test_a_day_list_of_30_people_logs_a_line_per_person_in_one_insert(town, client, login):
    """Issue 12: one line per person for a day list of 30 people; no line without a processing activity."""
    location = make_location(town.municipality, counters=3, name="Wijkbureau",
                             hours={weekday: [(time(9), time(16))] for weekday in range(5)})
    referrals = []
    for i in range(30):
        referral = create_referral(ReferralInput(
            name=f"Inwoner {i}", phone=f"06 3{i:07d}", postcode="3512 AB", house_number=str(i + 1), channel="sms",
            language="nl", categories=["digid_apply"], reason="no_device", consent=True), actor=town.agent)
        book(referral, free_slots(town.municipality.id, location_id=location.id, limit=1)[0].id, actor=town.agent)
        referrals.append(referral)
    login(client, town.counter)
    inserts = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO PROCESSING_LOG_LINE"):
            inserts.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        lines = _one_list_read(client, f"/balie/daglijst?locatie={location.id}", "counter",
                               [pseudonym("citizen", r.citizen_id) for r in referrals], town.counter)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(lines) == 30 and len({line.person for line in lines}) == 30
    assert len(inserts) == 1, inserts  # one executemany, not a statement per row
    # Not one line in the whole log (bookings included) without an activity of the register.
    assert all(activities.version_of(row.activity_id, row.activity_version) for row in log_rows())
    # The person is a pseudonym: no name, number or id of the citizen in the line.
    assert all(len(line.person) == 64 and "Inwoner" not in line.person for line in lines)


def test_the_caller_s_traceparent_is_kept_on_the_lines_and_answered(town, client, login):
    appointment = booked(town)
    login(client, town.counter)
    trace, parent = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    response = client.get("/balie/daglijst", headers={"traceparent": f"00-{trace}-{parent}-01"})
    assert response.headers["traceresponse"].startswith(f"00-{trace}-")
    [line] = log_rows(trace_id=trace)
    assert (line.person, line.parent_operation_id) == (_citizen(appointment.referral_id), parent)
    client.get("/balie/daglijst")
    assert len(log_rows(trace_id=trace)) == 1  # the next request is a trace of its own


def test_referral_lists_log_the_citizens_shown(town, client, login):
    first = booked(town)
    second = booked(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    shown = [_citizen(second.referral_id), _citizen(first.referral_id)]
    login(client, town.agent)
    _one_list_read(client, "/verwijzingen", "referral", shown, town.agent)
    counter = app_client_for(client, login, town.counter)
    _one_list_read(counter, "/gemeente/verwijzingen", "referral", shown, town.counter)
    # Another municipality sees no rows, so nothing is logged for it.
    outsider = app_client_for(client, login, town.other_counter)
    _one_list_read(outsider, "/gemeente/verwijzingen", "referral", [], town.other_counter)


def test_tasks_page_logs_the_citizens_of_the_tasks_shown(town, client, login, post_form):
    call = booked(town, channel="phone")
    letter = booked(town, name="Piet Pieters", phone="06 22222222", channel="letter", street="Oudegracht",
                    city="Utrecht", slot_index=2)
    login(client, town.counter)
    # The letters and calls are tasks on the one work list now (the old URL leads there).
    assert client.get("/gemeente/brieven-en-telefoontjes").headers["Location"].endswith("/balie/taken")
    page = text_of(client.get("/balie/taken"))
    assert "Jan de Vries" in page and "Piet Pieters" in page
    assert len(db.session.execute(select(Task)).scalars().all()) == 2
    _one_list_read(client, "/balie/taken", "outreach-task",
                   [_citizen(call.referral_id), _citizen(letter.referral_id)], town.counter)
    before = len(log_rows())
    assert "Nog geen taken afgerond" in text_of(client.get("/balie/taken?status=gedaan"))  # nobody: no line
    assert len(log_rows()) == before


def test_matching_list_logs_the_citizens_waiting_for_a_buddy(town, client, login, post_form):
    buddy = checked_in(town)
    login(client, town.counter)
    post_form(client, f"/balie/verwijzingen/{buddy.referral_id}/uitkomst", dict(OUTCOME, solution="buddy"))
    coordinator = app_client_for(client, login, town.coordinator)
    _one_list_read(coordinator, "/gemeente/maatjes", "buddy", [_citizen(buddy.referral_id)], town.coordinator)


@pytest.mark.config(STALE_AFTER_WORKING_DAYS=5)
def test_delayed_referrals_page_logs_the_citizens_shown(town, client, login):
    referral = refer(town)
    clock.freeze(at(2026, 11, 30, 11))
    assert sweep_stale() == 1
    login(client, town.coordinator)
    _one_list_read(client, "/gemeente/vertraagd", "stale-follow-up", [_citizen(referral.id)], town.coordinator)


def test_booking_and_confirmation_pages_log_a_read_of_the_citizen(town, client, login, post_form):
    referral = refer(town)
    citizen = _citizen(referral.id)
    login(client, town.agent)
    before = len(log_rows(action="read", person=citizen))
    page = client.get(f"/verwijzingen/{referral.id}/afspraak")
    assert page.status_code == 200 and "Jan de Vries" in text_of(page)
    reads = log_rows(action="read", person=citizen)
    assert len(reads) == before + 1 and reads[-1].activity_id == "appointment"
    slot = free_slots(town.municipality.id, limit=1)[0]
    response = post_form(client, f"/verwijzingen/{referral.id}/afspraak", {"slot": slot.id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verwijzingen/{referral.id}/bevestiging")
    before = len(log_rows(action="read", person=citizen))
    page = client.get(f"/verwijzingen/{referral.id}/bevestiging")
    assert page.status_code == 200 and "Jan de Vries" in text_of(page)
    reads = log_rows(action="read", person=citizen)
    assert len(reads) == before + 1 and reads[-1].activity_id == "appointment"
    assert reads[-1].actor_id == town.agent.id
