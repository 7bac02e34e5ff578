"""Inbound SMS of volunteers, through the signed webhook: short codes, bare JA with one and with two
open offers, a late JA, NEE and time-outs moving on by themselves, unknown text, STOP, KLAAR/HULP,
and a number that belongs to a citizen and a volunteer at once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from extensions import clock, db
from referrals.models import Appointment, Task
from tests.volunteers.conftest import outbox, sms_from, volunteer, waiting
from volunteers import services as vs
from volunteers.models import BuddyOffer, BuddyPairing, BuddySearch, Volunteer


def _reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def test_ja_with_the_code_and_bare_ja_with_one_open_offer(town, webhook, client):
    first, second = waiting(town), waiting(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    anna = volunteer(town, max_buddies=2)
    offer = vs.send_offer(first, anna.id, actor=town.coordinator)
    assert sms_from(client, anna.phone_e164, f"Ja {offer.code}!").startswith("Dank u! De coordinator bevestigt")
    assert _reload(first).status == "accepted" and _reload(anna).load == 1
    assert sms_from(client, anna.phone_e164, f"JA {offer.code}").startswith("Dank u!")  # a repeat changes nothing
    assert _reload(anna).load == 1
    other = vs.send_offer(_reload(second), anna.id, actor=town.coordinator)
    assert sms_from(client, anna.phone_e164, "ja").startswith("Dank u!")  # exactly one open offer
    assert _reload(other).status == "accepted" and _reload(anna).load == 2


def test_bare_ja_with_two_open_offers_asks_which_one(town, webhook, client):
    first, second = waiting(town), waiting(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    anna = volunteer(town, max_buddies=2)
    a = vs.send_offer(first, anna.id, actor=town.coordinator)
    b = vs.send_offer(second, anna.id, actor=town.coordinator)
    reply = sms_from(client, anna.phone_e164, "JA")
    assert reply == f"U heeft meer dan een vraag open: {a.code}, {b.code}. Stuur JA of NEE met het nummer, " \
                    f"bijvoorbeeld JA {a.code}."
    assert _reload(a).status == "open" and _reload(b).status == "open"
    assert sms_from(client, anna.phone_e164, f"nee {b.code}") == "Dank u voor uw antwoord. Wij vragen iemand anders."
    assert _reload(b).status == "declined" and _reload(a).status == "open"


def test_timeout_moves_on_by_itself_and_a_late_ja_hears_al_geregeld(town, webhook, client):
    search = waiting(town)
    anna = volunteer(town, "Anna Eerst", postcode="3512 AB")
    bert = volunteer(town, "Bert Later", postcode="3581 AB")
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    assert offer.expires_at == clock.now() + timedelta(hours=48)
    clock.freeze(clock.now() + timedelta(hours=47))
    assert vs.expire_offers() == 0
    clock.freeze(clock.now() + timedelta(hours=2))
    assert vs.expire_offers() == 1 and vs.expire_offers() == 0
    assert _reload(offer).status == "timed_out"
    automatic = db.session.execute(select(BuddyOffer).where(BuddyOffer.volunteer_id == bert.id)).scalar_one()
    assert automatic.status == "open" and automatic.sent_by_id is None and "Plek 1" in automatic.reason
    assert sms_from(client, bert.phone_e164, f"JA {automatic.code}").startswith("Dank u!")
    late = sms_from(client, anna.phone_e164, f"JA {offer.code}")
    assert late == f"Vraag {offer.code} is al geregeld, dank u! U hoeft niets te doen."
    assert _reload(offer).status == "too_late" and _reload(anna).load == 0 and _reload(bert).load == 1


def test_a_late_ja_after_a_timeout_still_wins_while_nobody_said_yes(town, webhook, client):
    search = waiting(town)
    anna = volunteer(town, "Anna Eerst", postcode="3512 AB")
    bert = volunteer(town, "Bert Later", postcode="3581 AB")
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    clock.freeze(clock.now() + timedelta(hours=49))
    vs.expire_offers()
    automatic = db.session.execute(select(BuddyOffer).where(BuddyOffer.volunteer_id == bert.id)).scalar_one()
    assert sms_from(client, anna.phone_e164, f"JA {offer.code}").startswith("Dank u!")
    assert _reload(search).accepted_offer_id == offer.id
    assert _reload(automatic).status == "withdrawn"  # Bert's queued offer is withdrawn, not sent
    assert sms_from(client, bert.phone_e164, f"JA {automatic.code}").startswith(f"Vraag {automatic.code} is al geregeld")


def test_nee_asks_the_next_one_and_a_full_volunteer_is_told(town, webhook, client):
    search = waiting(town)
    other_search = waiting(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    anna = volunteer(town, "Anna Eerst", postcode="3512 AB")
    bert = volunteer(town, "Bert Later", postcode="3581 AB")
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    sms_from(client, anna.phone_e164, f"NEE {offer.code}")
    nxt = db.session.execute(select(BuddyOffer).where(BuddyOffer.volunteer_id == bert.id)).scalar_one()
    assert nxt.search_id == search.id and nxt.status == "open"
    assert "Anna" not in [c.volunteer.first_name for c in vs.match(_reload(search)).ranked]  # said no before
    # Bert says yes to the first citizen; then yes to a second one: he wanted only one buddy.
    second = vs.send_offer(_reload(other_search), bert.id, actor=town.coordinator)
    sms_from(client, bert.phone_e164, f"JA {nxt.code}")
    reply = sms_from(client, bert.phone_e164, f"JA {second.code}")
    assert reply.startswith("Dank u! U heeft al het grootste aantal maatjes")
    assert _reload(bert).load == 1 and _reload(second).status == "declined"


def test_unknown_text_gets_one_helpful_answer_and_strangers_get_messagings(town, webhook, client):
    search = waiting(town)
    anna = volunteer(town)
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    reply = sms_from(client, anna.phone_e164, "Hoe laat moet ik komen?")
    assert reply.startswith("Wegwijs begrijpt dit niet. Stuur JA") and f"JA {offer.code}" in reply
    assert sms_from(client, anna.phone_e164, "???") == ""  # no second explanation within the hour
    assert sms_from(client, anna.phone_e164, "JA 99999").startswith("Wij vinden geen open vraag")
    assert sms_from(client, "+31699999999", "JA").startswith("Wegwijs begrijpt uw bericht niet")


def test_stop_from_a_volunteer_pauses_them_tells_the_coordinator_and_moves_on(town, webhook, client):
    search = waiting(town)
    anna = volunteer(town, "Anna Eerst", postcode="3512 AB")
    bert = volunteer(town, "Bert Later", postcode="3581 AB")
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    assert "geen sms meer" in sms_from(client, anna.phone_e164, "STOP")
    anna = _reload(anna)
    assert anna.status == "paused" and anna.pause_reason == "sms_stop"
    assert _reload(offer).status == "declined"
    task = db.session.execute(select(Task).where(Task.description.like(f"%nummer {anna.id} stuurde STOP%"))).scalar_one()
    assert "Anna" not in task.description  # the task refers to the volunteer, it does not copy the name
    assert task.municipality_id == town.municipality.id
    assert db.session.execute(select(BuddyOffer).where(BuddyOffer.volunteer_id == bert.id)).scalar_one().status == "open"


def test_the_confirmation_code_confirms_the_number(town, webhook, client):
    anna = volunteer(town, confirmed=False, status="intake")
    anna.confirm_code = "4821"
    db.session.commit()
    assert sms_from(client, anna.phone_e164, "1234").startswith("Wegwijs begrijpt dit niet")
    assert sms_from(client, anna.phone_e164, "4821").startswith("Dank u, uw nummer is bevestigd")
    assert _reload(anna).phone_confirmed_at is not None and _reload(anna).confirm_code is None


def test_one_number_is_a_citizen_and_a_volunteer(town, webhook, client):
    """The citizen's AFZEGGEN keeps working; the offer code reaches the volunteer's offer."""
    from tests.counter.conftest import booked
    appointment = booked(town, name="Sara Dubbel", phone="06 33333333", slot_index=3)
    search = waiting(town)
    sara = volunteer(town, "Sara Dubbel", phone="+31633333333")
    offer = vs.send_offer(search, sara.id, actor=town.coordinator)
    assert sms_from(client, "+31633333333", f"JA {offer.code}").startswith("Dank u!")
    assert _reload(search).status == "accepted"
    assert "is afgezegd" in sms_from(client, "+31633333333", "AFZEGGEN")
    assert _reload(appointment).status == "cancelled"
    assert isinstance(_reload(appointment), Appointment)


def test_klaar_and_hulp_with_the_pairing_code(town, webhook, client, login):
    search = waiting(town)
    anna = volunteer(town)
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    sms_from(client, anna.phone_e164, f"JA {offer.code}")
    pairing = vs.confirm_pairing(_reload(search), first_visit_at=clock.now() + timedelta(days=2),
                                 actor=town.coordinator)
    assert sms_from(client, anna.phone_e164, "klaar") == "Dank u! Uw bezoek aan Jan is genoteerd."
    assert sms_from(client, anna.phone_e164, f"HULP {offer.code} de inwoner is ziek").startswith("Dank u. De coordinator")
    assert _reload(pairing).help_asked_at is not None
    assert [p.id for p in vs.attention_list(town.municipality.id)] == [pairing.id]
    assert db.session.execute(select(Task).where(Task.description.like("%vraagt hulp%"))).scalar_one()
    assert sms_from(client, anna.phone_e164, "KLAAR 99999").startswith("Wij vinden geen open vraag")
    assert db.session.execute(select(BuddySearch.status)).scalar_one() == "paired"
    assert db.session.execute(select(BuddyPairing.status)).scalar_one() == "active"
    assert _reload(anna).load == 1 and isinstance(_reload(anna), Volunteer)
    assert outbox("vol_paired")


def test_an_offer_that_became_no_pairing_loses_number_and_reason_after_its_term(town, factory):
    """RETENTION_BUDDY_OFFER_MONTHS (3): an offer answered NEE keeps the volunteer's number and the
    reason (the citizen's area and language) only that long; an erasure of the citizen takes the
    reason at once. The offer row stays (the reports count it)."""
    from datetime import timedelta

    from extensions import clock
    from privacy import rights
    from tests.volunteers.conftest import volunteer, waiting
    from volunteers import services as vs
    from volunteers.models import BuddyOffer
    search = waiting(town)
    other = waiting(town, name="Kees Jansen", phone="06 22222222")
    anna = volunteer(town)
    offer = vs.send_offer(search, anna.id, actor=town.coordinator)
    vs.handle_inbound_sms(anna.phone_e164, f"NEE {offer.code}")
    db.session.commit()
    db.session.expire_all()
    offer = db.session.get(BuddyOffer, offer.id)
    assert offer.status == "declined" and offer.reason and offer.phone_e164 == anna.phone_e164
    clock.freeze(clock.now() + timedelta(days=60))
    rights.run_retention()
    db.session.expire_all()
    assert db.session.get(BuddyOffer, offer.id).phone_e164 == anna.phone_e164  # within its term
    clock.freeze(clock.now() + timedelta(days=40))
    run = rights.run_retention()
    db.session.expire_all()
    offer = db.session.get(BuddyOffer, offer.id)
    assert "buddy_offer: 1" in run.summary

    # The citizen's erasure takes an offer's reason at once; the volunteer's number is hers.
    bert = volunteer(town, "Bert Bos")
    second = vs.send_offer(other, bert.id, actor=town.coordinator)
    db.session.commit()
    assert second.reason
    # Every open offer for Kees is answered NEE (the next one goes out by itself): an open offer
    # would hold the erasure up.
    while opened := db.session.execute(select(BuddyOffer).where(BuddyOffer.search_id == other.id,
                                                                BuddyOffer.status == "open")).scalar():
        to = db.session.get(Volunteer, opened.volunteer_id).phone_e164
        vs.handle_inbound_sms(to, f"NEE {opened.code}")
        db.session.commit()
    officer, approver = (factory.user("privacy_officer", town.municipality) for _ in range(2))
    person = rights.person_or_404("citizen", other.citizen_id, user=officer)
    rights.approve_erasure(rights.request_erasure(person, "request", actor=officer), person, actor=approver)
    db.session.expire_all()
    second = db.session.get(BuddyOffer, second.id)
    assert second.reason == "" and second.phone_e164 == bert.phone_e164
    assert offer.reason == "" and offer.phone_e164 == f"gewist-{offer.id}" and offer.status == "declined"
