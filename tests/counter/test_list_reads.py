"""Pages that show citizens' personal data write one processing-log entry per view: lists one
"read_list" entry with the ids shown (not one per row), the booking and confirmation pages a read
of the referral. An empty list logs nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from counter.services import sweep_stale
from extensions import clock, db
from privacy.models import ProcessingLogEntry
from privacy.services import record_list_read
from referrals.models import Task
from referrals.services import free_slots
from tests.counter.conftest import booked, checked_in
from tests.counter.test_counter import OUTCOME, app_client_for, text_of
from tests.counter.test_stale_and_jobs import at, refer


def _entries(**where):
    stmt = select(ProcessingLogEntry).order_by(ProcessingLogEntry.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(ProcessingLogEntry, column) == value)
    return db.session.execute(stmt).scalars().all()


def _one_list_read(client, url, subject_type, ids, user):
    before = len(_entries(action="read_list"))
    response = client.get(url)
    assert response.status_code == 200, url
    entries = _entries(action="read_list")
    assert len(entries) == before + 1, url  # one entry for the page, not one per row
    entry = entries[-1]
    assert (entry.subject_type, entry.subject_id, entry.actor_id) == (subject_type, None, user.id)
    assert entry.detail == f"{len(ids)} getoond: " + ", ".join(str(i) for i in ids), entry.detail
    assert entry.purpose and entry.purpose.islower()  # a Dutch purpose
    return entry


def test_referral_lists_log_one_entry_with_the_ids_shown(town, client, login):
    first = booked(town)
    second = booked(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    login(client, town.agent)
    entry = _one_list_read(client, "/verwijzingen", "referral_list", [second.referral_id, first.referral_id],
                           town.agent)
    assert entry.purpose == "verwijzingen bekijken"
    counter = app_client_for(client, login, town.counter)
    _one_list_read(counter, "/gemeente/verwijzingen", "referral_list", [second.referral_id, first.referral_id],
                   town.counter)
    # Another municipality sees no rows, so nothing is logged for it.
    outsider = app_client_for(client, login, town.other_counter)
    before = len(_entries())
    assert outsider.get("/gemeente/verwijzingen").status_code == 200
    assert len(_entries()) == before


def test_letters_and_calls_page_logs_the_referrals_with_names_and_phone_numbers(town, client, login):
    call = booked(town, channel="phone")
    letter = booked(town, name="Piet Pieters", phone="06 22222222", channel="letter", street="Oudegracht",
                    city="Utrecht", slot_index=2)
    login(client, town.counter)
    # The letters and calls are tasks on the one work list now (the old URL leads there).
    assert client.get("/gemeente/brieven-en-telefoontjes").headers["Location"].endswith("/balie/taken")
    page = text_of(client.get("/balie/taken"))
    assert "Jan de Vries" in page and "Piet Pieters" in page
    tasks = {t.referral_id: t.id for t in db.session.execute(select(Task)).scalars()}
    entry = _one_list_read(client, "/balie/taken", "task_list",
                           [tasks[call.referral_id], tasks[letter.referral_id]], town.counter)
    assert entry.purpose == "taken afhandelen"


def test_tasks_page_logs_the_tasks_shown(town, client, login, post_form):
    appointment = booked(town)
    login(client, town.counter)
    post_form(client, f"/balie/afspraken/{appointment.id}/niet-gekomen")
    task = db.session.execute(select(Task)).scalar_one()
    entry = _one_list_read(client, "/balie/taken", "task_list", [task.id], town.counter)
    assert entry.purpose == "taken afhandelen"
    before = len(_entries())
    assert "Nog geen taken afgerond" in text_of(client.get("/balie/taken?status=gedaan"))  # nobody: no entry
    assert len(_entries()) == before


def test_matching_list_logs_the_citizens_waiting_for_a_buddy(town, client, login, post_form):
    buddy = checked_in(town)
    login(client, town.counter)
    post_form(client, f"/balie/verwijzingen/{buddy.referral_id}/uitkomst", dict(OUTCOME, solution="buddy"))
    coordinator = app_client_for(client, login, town.coordinator)
    entry = _one_list_read(coordinator, "/gemeente/maatjes", "referral_list", [buddy.referral_id], town.coordinator)
    assert entry.purpose == "maatje zoeken"


@pytest.mark.config(STALE_AFTER_WORKING_DAYS=5)
def test_delayed_referrals_page_logs_the_referrals_shown(town, client, login):
    referral = refer(town)
    clock.freeze(at(2026, 11, 30, 11))
    assert sweep_stale() == 1
    login(client, town.coordinator)
    entry = _one_list_read(client, "/gemeente/vertraagd", "referral_list", [referral.id], town.coordinator)
    assert entry.purpose == "vertraagde verwijzingen opvolgen"


def test_booking_and_confirmation_pages_log_a_read_of_the_referral(town, client, login, post_form):
    referral = refer(town)
    login(client, town.agent)
    before = len(_entries(action="read", subject_type="referral", subject_id=referral.id))
    page = client.get(f"/verwijzingen/{referral.id}/afspraak")
    assert page.status_code == 200 and "Jan de Vries" in text_of(page)
    reads = _entries(action="read", subject_type="referral", subject_id=referral.id)
    assert len(reads) == before + 1 and reads[-1].purpose == "afspraak maken"
    slot = free_slots(town.municipality.id, limit=1)[0]
    response = post_form(client, f"/verwijzingen/{referral.id}/afspraak", {"slot": slot.id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verwijzingen/{referral.id}/bevestiging")
    before = len(_entries(action="read", subject_type="referral", subject_id=referral.id))
    page = client.get(f"/verwijzingen/{referral.id}/bevestiging")
    assert page.status_code == 200 and "Jan de Vries" in text_of(page)
    reads = _entries(action="read", subject_type="referral", subject_id=referral.id)
    assert len(reads) == before + 1 and reads[-1].purpose == "afspraak bevestigen"
    assert reads[-1].actor_id == town.agent.id


def test_a_long_list_is_one_entry_with_a_shortened_detail(town, client, login):
    login(client, town.counter)
    with client.application.test_request_context():
        from flask_login import login_user
        login_user(town.counter)
        record_list_read("referral", range(1, 400), "verwijzingen bekijken")
    entry = _entries(action="read_list")[-1]
    assert entry.detail.startswith("399 getoond: 1, 2, 3, ") and entry.detail.endswith(", …")
    assert len(entry.detail) <= 500
    with pytest.raises(ValueError):
        record_list_read("nonsense", [1], "x")
