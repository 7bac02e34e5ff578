"""Real concurrency on PostgreSQL: counters enrolling and cancelling at the same moment in separate
connections and threads; two schedulers sending course reminders at once."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from accounts.models import User
from courses import services as course_services
from courses.models import Course, Enrolment
from extensions import clock, db
from messaging.models import OutboxMessage
from referrals.models import Referral
from tests.conftest import run_together
from tests.counter.conftest import checked_in, plan

pytestmark = [pytest.mark.postgres,
              pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25, "max_overflow": 0})]


def _referrals(town, n):
    return [checked_in(town, name=f"Inwoner {i}", phone=f"06 1000{i:04d}", slot_index=0).referral_id
            for i in range(n)]


def test_twelve_counters_enrol_at_once_in_a_course_for_three(app, town):
    course_id = plan(town, capacity=3).id
    referral_ids = _referrals(town, 12)
    counter_id = town.counter.id
    db.session.commit()

    def enrol(i):
        referral = db.session.get(Referral, referral_ids[i])
        course = db.session.get(Course, course_id)
        return course_services.enrol(referral, course, actor=db.session.get(User, counter_id)).status

    results = run_together(app, 12, enrol)
    assert sorted(results) == ["enrolled"] * 3 + ["waiting"] * 9, results
    db.session.expire_all()
    assert db.session.get(Course, course_id).taken == 3
    assert db.session.execute(select(func.count()).select_from(Enrolment).where(
        Enrolment.status == "enrolled")).scalar_one() == 3

    # Three cancellations at once: the three first on the waiting list move up, nobody twice.
    enrolled = list(db.session.execute(select(Enrolment.id).where(Enrolment.status == "enrolled")).scalars())
    waiting = list(db.session.execute(select(Enrolment.id).where(Enrolment.status == "waiting")
                                      .order_by(Enrolment.id)).scalars())

    def cancel(i):
        promoted = course_services.cancel_enrolment(db.session.get(Enrolment, enrolled[i]),
                                                    actor=db.session.get(User, counter_id))
        return promoted.id if promoted else None

    promoted = run_together(app, 3, cancel)
    assert sorted(promoted) == waiting[:3], promoted
    db.session.expire_all()
    assert db.session.get(Course, course_id).taken == 3
    assert db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.purpose == "course_promoted")).scalar_one() == 3


def test_two_schedulers_send_each_course_reminder_once(app, town):
    course_id = plan(town, capacity=5, days_ahead=1).id
    referral_ids = _referrals(town, 4)
    counter = town.counter
    for referral_id in referral_ids:
        course_services.enrol(db.session.get(Referral, referral_id), db.session.get(Course, course_id), actor=counter)
    db.session.commit()
    clock.freeze(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # Monday 13:00; the first session is tomorrow

    results = run_together(app, 2, lambda i: course_services.queue_course_reminders())
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 4
    assert db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.purpose == "course_reminder")).scalar_one() == 4


def test_two_counters_check_in_the_same_citizen_at_once_and_two_schedulers_sweep_once(app, town):
    from counter.models import CounterVisit
    from counter.services import check_in, sweep_stale
    from extensions import DomainError
    from referrals.models import Appointment
    from tests.counter.conftest import booked

    appointment_id = booked(town).id
    counter_id, coordinator_id = town.counter.id, town.coordinator.id
    db.session.commit()

    def click(i):
        check_in(db.session.get(Appointment, appointment_id),
                 actor=db.session.get(User, counter_id if i == 0 else coordinator_id))
        return "ok"

    results = run_together(app, 2, click)
    assert sorted(map(type, results), key=str) == sorted([str, DomainError], key=str), results
    assert db.session.execute(select(func.count()).select_from(CounterVisit)).scalar_one() == 1

    clock.freeze(datetime(2026, 12, 4, 10, 0, tzinfo=UTC))  # two weeks on, nothing happened
    results = run_together(app, 2, lambda i: sweep_stale())
    assert sorted(results) == [0, 1], results
