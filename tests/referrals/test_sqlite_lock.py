"""SQLite, the embedded default (issue 16): the booking page begins as a reader and writes its
processing-log entry; without the write lock it runs again as a writer, or answers 503 and logs
nothing; a booking that cannot have the lock answers 503 and books nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from extensions import db
from privacy.models import LogLine
from referrals.models import Appointment, Slot
from tests.conftest import csrf_from, on_postgres
from tests.referrals.conftest import make_referral
from tests.test_busy_database import hold_write_lock

pytestmark = pytest.mark.skipif(on_postgres(), reason="SQLite's write lock")


def _log_entries(activity_id: str) -> int:
    """Reads logged under an activity (the booking page logs one line: its citizen)."""
    return db.session.execute(select(func.count(LogLine.id))
                              .where(LogLine.activity_id == activity_id, LogLine.action == "read")).scalar()


@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=50, BUSY_RETRY_AFTER_SECONDS=3)
def test_a_page_that_logs_its_read_answers_503_without_the_lock_and_logs_nothing(world, app, client, login):
    referral_id = make_referral(world.agent).id
    login(client, world.agent)
    db.session.commit()
    release = hold_write_lock(app)
    try:
        response = client.get(f"/verwijzingen/{referral_id}/afspraak")
    finally:
        release()
    assert response.status_code == 503 and response.headers["Retry-After"] == "3"
    assert _log_entries("appointment") == 0  # the page was not shown, so no read is logged
    assert client.get(f"/verwijzingen/{referral_id}/afspraak").status_code == 200
    assert _log_entries("appointment") == 1


@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=3000)
def test_a_reader_that_must_write_runs_again_as_a_writer_and_waits_its_turn(world, app, client, login):
    referral_id = make_referral(world.agent).id
    login(client, world.agent)
    db.session.commit()  # the test's session holds no transaction: the request begins its own
    # Another writer commits while the page has read: SQLite refuses to upgrade the page's older
    # snapshot to a write; the page runs again as a writer and is shown.
    hold_write_lock(app, seconds=0.3, then_commit="UPDATE organisation SET name = name")
    response = client.get(f"/verwijzingen/{referral_id}/afspraak")
    assert response.status_code == 200
    assert _log_entries("appointment") == 1  # logged once, by the run that was shown
    # The process remembers that this page writes: next time it begins as a writer at once.
    assert "referrals.book" in app.extensions["wegwijs.sqlite_writing_gets"]


@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=50)
def test_a_booking_that_cannot_have_the_lock_answers_503_and_books_nothing(world, app, client, login):
    referral_id = make_referral(world.agent).id
    login(client, world.agent)
    shown = client.get(f"/verwijzingen/{referral_id}/afspraak")
    slot_id = int(re.search(r'name="slot" id="slot-(\d+)"', shown.get_data(as_text=True)).group(1))
    token = csrf_from(shown)
    db.session.commit()
    release = hold_write_lock(app)
    try:
        response = client.post(f"/verwijzingen/{referral_id}/afspraak", data={"slot": slot_id, "csrf_token": token})
    finally:
        release()
    assert response.status_code == 503 and "Retry-After" in response.headers
    db.session.expire_all()
    assert db.session.get(Slot, slot_id).booked == 0
    assert db.session.execute(select(func.count(Appointment.id))).scalar() == 0
    done = client.post(f"/verwijzingen/{referral_id}/afspraak", data={"slot": slot_id, "csrf_token": token})
    assert done.status_code == 302
