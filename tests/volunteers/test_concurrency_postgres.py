"""Real concurrency on PostgreSQL, in separate connections and threads: JA replies for the same
citizen at once give one pairing; a volunteer never exceeds their maximum; two coordinators cannot
have two offers open for one citizen; two schedulers time out, remind and screen once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.models import User
from extensions import DomainError, clock, db
from messaging.models import OutboxMessage
from messaging.services import receive_inbound
from tests.conftest import run_together
from tests.volunteers.conftest import paired, volunteer, waiting
from volunteers import services as vs
from volunteers.models import BuddyOffer, BuddySearch, Volunteer

pytestmark = [pytest.mark.postgres,
              pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25, "max_overflow": 0})]


def _ja(numbers_and_codes):
    def work(i):
        phone, code = numbers_and_codes[i]
        return receive_inbound(provider_sid=f"SMCONC{i:026d}{code}", from_number=phone, to_number="+3197010000000",
                               body=f"JA {code}")
    return work


def test_six_ja_replies_for_one_citizen_at_once_give_one_pairing(app, town):
    search = waiting(town)
    people = [volunteer(town, f"Vrijwilliger {i}", postcode=f"35{12 + i} AB") for i in range(6)]
    vs.send_offer(search, people[0].id, actor=town.coordinator)
    for _ in range(5):  # each times out and the next one is asked by itself
        clock.freeze(clock.now() + timedelta(hours=49))
        assert vs.expire_offers() == 1
    offers = list(db.session.execute(select(BuddyOffer).order_by(BuddyOffer.id)).scalars())
    assert [o.status for o in offers] == ["timed_out"] * 5 + ["open"]
    db.session.commit()

    replies = run_together(app, 6, _ja([(o.phone_e164, o.code) for o in offers]))
    assert not [r for r in replies if isinstance(r, Exception)], replies
    assert sum(r.startswith("Dank u! De coordinator") for r in replies) == 1, replies
    assert sum("al geregeld" in r for r in replies) == 5, replies
    db.session.expire_all()
    assert db.session.get(BuddySearch, search.id).status == "accepted"
    assert db.session.execute(select(func.sum(Volunteer.load))).scalar_one() == 1
    assert db.session.execute(select(func.count()).select_from(BuddyOffer).where(
        BuddyOffer.status == "accepted")).scalar_one() == 1


def test_a_volunteer_never_exceeds_the_maximum_with_two_ja_at_once(app, town):
    first, second = waiting(town), waiting(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    anna = volunteer(town, max_buddies=1)
    a = vs.send_offer(first, anna.id, actor=town.coordinator)
    b = vs.send_offer(second, anna.id, actor=town.coordinator)
    db.session.commit()
    replies = run_together(app, 2, _ja([(anna.phone_e164, a.code), (anna.phone_e164, b.code)]))
    assert sorted(r.split("!")[0] for r in replies) == ["Dank u", "Dank u"], replies
    assert sum("grootste aantal maatjes" in r for r in replies) == 1, replies
    db.session.expire_all()
    assert db.session.get(Volunteer, anna.id).load == 1
    assert sorted(db.session.execute(select(BuddySearch.status)).scalars()) == ["accepted", "searching"]


def test_two_coordinators_offer_the_same_citizen_at_once(app, town):
    search = waiting(town)
    a, b = volunteer(town, "Anna Een"), volunteer(town, "Bert Twee")
    coordinator_id, search_id, ids = town.coordinator.id, search.id, [a.id, b.id]
    db.session.commit()

    def offer(i):
        return vs.send_offer(db.session.get(BuddySearch, search_id), ids[i],
                             actor=db.session.get(User, coordinator_id)).code

    results = run_together(app, 2, offer)
    assert sorted(type(r).__name__ for r in results) == ["DomainError", "str"], results
    assert any(isinstance(r, DomainError) for r in results)
    assert db.session.execute(select(func.count()).select_from(BuddyOffer)).scalar_one() == 1
    assert db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.purpose == "vol_offer")).scalar_one() == 1


def test_two_schedulers_do_every_job_once(app, town):
    search = waiting(town)
    a = volunteer(town, "Anna Een", postcode="3512 AB")
    volunteer(town, "Bert Twee", postcode="3581 AB")
    volunteer(town, "Bijna Verlopen", vog_days=110)  # 46 days left after the clock moves
    volunteer(town, "Al Verlopen", vog_days=-2)
    vs.send_offer(search, a.id, actor=town.coordinator)
    pairing = paired(town, volunteer(town, "Cor Drie"), name="Piet Pieters", phone="06 22222222", slot_index=2)
    db.session.commit()
    clock.freeze(pairing.first_visit_at + timedelta(days=62))

    results = run_together(app, 2, lambda i: vs.expire_offers())
    assert sorted(results) == [0, 1], results
    results = run_together(app, 2, lambda i: vs.monthly_reminders())
    assert sorted(results) == [0, 1], results
    results = run_together(app, 2, lambda i: vs.vog_reminders_and_expiry())
    assert sorted(results) == [(0, 0), (1, 1)], results
    results = run_together(app, 2, lambda i: vs.evaluation_tasks_and_max_duration())
    assert sorted(results) == [0, 1], results
    count = {p: db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.purpose == p)).scalar_one() for p in ("vol_offer", "vol_visit_reminder", "vol_vog_reminder")}
    assert count == {"vol_offer": 3, "vol_visit_reminder": 1, "vol_vog_reminder": 1}, count
    statuses = db.session.execute(select(BuddyOffer.volunteer_id, BuddyOffer.status)
                                  .where(BuddyOffer.search_id == search.id).order_by(BuddyOffer.id)).all()
    assert [s for _v, s in statuses] == ["timed_out", "open"], statuses  # the next one asked, once
