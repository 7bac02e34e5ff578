"""The scheduler jobs: VOG reminders 8 weeks ahead and expiry pauses, monthly visit reminders with
missed check-ins, evaluations at 2/6/12 months and the maximum duration. Each runs twice and does
its work once."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from extensions import clock, db
from referrals.models import Task
from tests.volunteers.conftest import outbox, paired, volunteer
from volunteers import jobs
from volunteers import services as vs
from volunteers.models import BuddyPairing, Volunteer


def _tasks(like: str) -> list[Task]:
    return list(db.session.execute(select(Task).where(Task.description.like(like))).scalars())


def test_vog_reminder_eight_weeks_ahead_once_and_expiry_pauses(town):
    soon = volunteer(town, "Bijna Verlopen", vog_days=50)
    later = volunteer(town, "Nog Lang", vog_days=70)
    expired = volunteer(town, "Al Verlopen", vog_days=-1)
    assert vs.vog_reminders_and_expiry() == (1, 1)
    assert vs.vog_reminders_and_expiry() == (0, 0)
    assert [m.to_e164 for m in outbox("vol_vog_reminder")] == [soon.phone_e164]
    assert len(_tasks(f"%VOG van vrijwilliger nummer {soon.id} %")) == 1
    assert _tasks("%Bijna Verlopen%") == []  # the task refers to the volunteer, it does not copy the name
    db.session.expire_all()
    assert db.session.get(Volunteer, expired.id).status == "paused"
    assert db.session.get(Volunteer, expired.id).pause_reason == "vog_expired"
    assert db.session.get(Volunteer, later.id).vog_reminded_at is None
    # A new VOG resumes the paused volunteer, and the reminder can come again in three years.
    vs.record_vog(db.session.get(Volunteer, expired.id), issued_on=clock.now().date() - timedelta(days=3),
                  outcome="ok", actor=town.coordinator)
    assert db.session.get(Volunteer, expired.id).status == "active"


def test_vog_validity_is_a_setting(town, app):
    app.config["VOG_VALID_YEARS"] = 1
    v = volunteer(town, vog_days=None, status="intake")
    check = vs.record_vog(v, issued_on=date(2026, 1, 10), outcome="ok", actor=town.coordinator)
    assert check.valid_until == date(2027, 1, 10)


def test_monthly_reminders_and_two_missed_check_ins_on_the_attention_list(town):
    pairing = paired(town)
    first_visit = pairing.first_visit_at
    clock.freeze(first_visit + timedelta(days=20))
    assert vs.monthly_reminders() == 0
    clock.freeze(first_visit + timedelta(days=32))
    assert vs.monthly_reminders() == 1 and vs.monthly_reminders() == 0
    db.session.expire_all()
    assert db.session.get(BuddyPairing, pairing.id).missed_checkins == 1
    clock.freeze(first_visit + timedelta(days=63))
    assert vs.monthly_reminders() == 1
    assert [p.id for p in vs.attention_list(town.municipality.id)] == [pairing.id]
    assert len(outbox("vol_visit_reminder")) == 2
    # A visit reported with KLAAR clears the count; the next month counts as visited.
    vs.handle_inbound_sms(pairing.phone_e164, f"KLAAR {pairing.code}")
    db.session.commit()
    clock.freeze(first_visit + timedelta(days=93))
    vs.monthly_reminders()
    db.session.expire_all()
    assert db.session.get(BuddyPairing, pairing.id).missed_checkins == 0
    assert vs.attention_list(town.municipality.id) == []


def test_evaluations_at_2_6_12_months_and_the_maximum_duration(town):
    pairing = paired(town)
    started = pairing.started_at
    clock.freeze(started + timedelta(days=62))
    jobs.hourly()
    jobs.hourly()
    assert [t.description.split(":")[0] for t in _tasks("Evaluatie%")] == \
        [f"Evaluatie maatje-koppeling {pairing.code} na 2 maanden"]
    clock.freeze(started + timedelta(days=367))  # a scheduler that was off for months catches up once
    jobs.hourly()
    jobs.hourly()
    assert len(_tasks("Evaluatie%")) == 3
    assert len(_tasks("%maximale duur%")) == 1
    assert [p.id for p in vs.attention_list(town.municipality.id)] == [pairing.id]
    vs.extend_pairing(db.session.get(BuddyPairing, pairing.id), actor=town.coordinator)
    extended = db.session.get(BuddyPairing, pairing.id)
    assert extended.max_flagged_at is None and extended.extended
    assert len(outbox("vol_visit_reminder")) == 2  # months without a scheduler: one reminder, not ten
    assert db.session.execute(select(func.count()).select_from(Task)).scalar_one() >= 4
