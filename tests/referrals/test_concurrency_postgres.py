"""Real concurrency on PostgreSQL: separate connections in separate threads."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from accounts.models import User
from extensions import DomainError, db
from messaging.models import OutboxMessage
from referrals.models import Appointment, Referral, Slot
from referrals.services import SlotTaken, book, free_slots, queue_reminders
from tests.conftest import run_together
from tests.referrals.conftest import make_location, make_referral

pytestmark = [pytest.mark.postgres,
              pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 55, "max_overflow": 0})]


def test_fifty_agents_book_a_slot_for_two_exactly_two_succeed(app, world):
    location = make_location(world.municipality, counters=2, name="Twee balies")
    slot = db.session.execute(select(Slot).where(Slot.location_id == location.id).order_by(Slot.starts_at)
                              .limit(1)).scalar_one()
    referral_ids = [make_referral(world.agent, name=f"Inwoner {i}", phone=f"06 1000{i:04d}").id for i in range(50)]
    agent_id, slot_id = world.agent.id, slot.id  # plain values: ORM objects stay in their own session
    db.session.commit()

    def attempt(i):
        referral = db.session.get(Referral, referral_ids[i])
        return book(referral, slot_id, actor=db.session.get(User, agent_id)).id

    results = run_together(app, 50, attempt)
    won = [r for r in results if isinstance(r, int)]
    taken = [r for r in results if isinstance(r, SlotTaken)]
    assert len(won) == 2, results
    assert len(taken) == 48, [r for r in results if not isinstance(r, (int, SlotTaken))]
    assert all("net vergeven" in err.message for err in taken)
    db.session.expire_all()
    assert db.session.get(Slot, slot_id).booked == 2
    assert db.session.execute(select(func.count()).select_from(Appointment)).scalar_one() == 2
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 2
    booked = db.session.execute(select(func.count()).select_from(Referral).where(Referral.status == "booked"))
    assert booked.scalar_one() == 2


def test_the_same_referral_booked_twice_at_once_gets_one_appointment(app, world):
    referral_id = make_referral(world.agent).id
    slots = [s.id for s in free_slots(world.municipality.id, limit=2)]
    agent_id = world.agent.id

    def attempt(i):
        return book(db.session.get(Referral, referral_id), slots[i], actor=db.session.get(User, agent_id)).id

    results = run_together(app, 2, attempt)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert all(isinstance(r, (int, DomainError)) for r in results)
    db.session.expire_all()
    assert sum(db.session.get(Slot, s).booked for s in slots) == 1


def test_two_schedulers_queue_each_reminder_once(app, world):
    tuesday = date(2026, 11, 24)
    slots = free_slots(world.municipality.id, from_day=tuesday, limit=6)
    for i, slot in enumerate(slots):
        book(make_referral(world.agent, name=f"Inwoner {i}", phone=f"06 2000{i:04d}"), slot.id, actor=world.agent)
    db.session.commit()

    counts = run_together(app, 2, lambda i: queue_reminders(batch=2))
    assert all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == 6
    reminders = db.session.execute(select(OutboxMessage.to_e164).where(
        OutboxMessage.purpose == "appointment_reminder")).scalars().all()
    assert sorted(reminders) == sorted(set(reminders)) and len(reminders) == 6
