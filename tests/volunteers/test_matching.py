"""Matching: every hard rule removes and counts, the ranking explains each position in words, and
when nobody is left the page says which rule removed how many and offers to relax one."""
from __future__ import annotations

from datetime import timedelta

from extensions import db
from messaging.services import set_opt_out
from tests.volunteers.conftest import text_of, volunteer, waiting
from volunteers import services as vs
from volunteers.models import BuddyOffer


def _removed(result) -> dict:
    return {code: n for code, _label, n, _can in result.removed}


def test_every_hard_rule_removes_and_is_counted(town):
    search = waiting(town)
    volunteer(town, "Actief Goed")
    volunteer(town, "In Intake", status="intake")
    volunteer(town, "Gepauzeerd", status="paused")
    volunteer(town, "Gestopt", status="stopped")  # stopped volunteers are not even considered
    volunteer(town, "Niet Bevestigd", confirmed=False)
    volunteer(town, "Vog Verloopt", vog_days=5)  # valid today, not on the planned start (in 14 days)
    volunteer(town, "Geen Vog", vog_days=None)
    full = volunteer(town, "Vol Zit")
    full.load = 1
    said_no = volunteer(town, "Zei Nee")
    stop = volunteer(town, "Stuurde Stop")
    volunteer(town, "Andere Gemeente", municipality=town.other_municipality)
    db.session.add(BuddyOffer(search_id=search.id, volunteer_id=said_no.id, municipality_id=search.municipality_id,
                              phone_e164=said_no.phone_e164, code="111", status="declined",
                              expires_at=search.created_at))
    set_opt_out(stop.phone_e164, True, source="sms", keyword="STOP")
    assert stop.status == "paused" and stop.pause_reason == "sms_stop"  # STOP pauses by itself
    stop.status = "active"  # the rule still holds should someone be active with STOP (defence in depth)
    db.session.commit()
    result = vs.match(search)
    assert [c.volunteer.name for c in result.ranked] == ["Actief Goed"]
    assert _removed(result) == {"municipality": 0, "active": 2, "confirmed": 1, "vog": 2, "capacity": 1,
                                "declined": 1, "sms": 1, "asked": 0}
    assert result.considered == 9  # the stopped one and Amersfoort's volunteer are never read
    assert {code for code, _label, _n in result.relaxable} == {"vog", "declined"}
    relaxed = vs.match(search, {"vog", "declined", "capacity"})  # capacity can never be relaxed
    assert sorted(c.volunteer.name for c in relaxed.ranked) == ["Actief Goed", "Vog Verloopt", "Zei Nee"]


def test_the_ranking_explains_every_position(town):
    search = waiting(town, categories=["toeslagen"], postcode="3512 AB")
    search.language = "ar"
    db.session.commit()
    volunteer(town, "Piet Ver", postcode="3581 AA", languages="nl,ar", skills="toeslagen")
    volunteer(town, "Anna Dichtbij", postcode="3512 CD", languages="nl,ar", skills="toeslagen")
    volunteer(town, "Kees Nederlands", postcode="3512 CD", languages="nl", skills="toeslagen")
    busy = volunteer(town, "Bo Druk", postcode="3512 CD", languages="nl,ar", skills="toeslagen", max_buddies=2)
    busy.load = 1
    volunteer(town, "Sam Buren", postcode="3514 AA", languages="nl,ar", skills="digid")
    db.session.commit()
    result = vs.match(search)
    names = [c.volunteer.name for c in result.ranked]
    assert names == ["Anna Dichtbij", "Bo Druk", "Sam Buren", "Piet Ver", "Kees Nederlands"]
    anna, bo, sam, piet, kees = result.ranked
    assert anna.reasons[:3] == ["spreekt Arabisch", "zelfde postcodegebied (3512)",
                                "past bij de vraag: Toeslagen en uitkeringen"]
    assert anna.above_next == "heeft minder maatjes dan Bo"
    assert bo.above_next == "woont dichterbij dan Sam"
    assert "dichtbij: 3512 en 3514 liggen naast elkaar" in sam.reasons
    assert sam.above_next == "woont dichterbij dan Piet"
    assert "zelfde regio: 3512 en 3581" in piet.reasons
    assert piet.above_next == "spreekt de taal van de inwoner, Kees niet"
    assert "spreekt geen Arabisch" in kees.reasons and kees.above_next == ""


def test_fairness_the_least_recently_offered_first_and_offers_over_90_days(town):
    search = waiting(town)
    first = volunteer(town, "Eerste Een")
    second = volunteer(town, "Tweede Twee")
    first.last_offered_at = search.created_at - timedelta(days=2)
    db.session.commit()
    result = vs.match(search)
    assert [c.volunteer.name for c in result.ranked] == ["Tweede Twee", "Eerste Een"]
    assert "kreeg langer geleden een aanbod dan Eerste" in result.ranked[0].above_next
    assert result.ranked[0].reasons[-1] == "laatste aanbod: nog nooit"
    db.session.add(BuddyOffer(search_id=search.id, volunteer_id=first.id, municipality_id=search.municipality_id,
                              phone_e164=first.phone_e164, code="222", status="timed_out",
                              created_at=search.created_at - timedelta(days=100), expires_at=search.created_at))
    db.session.add(BuddyOffer(search_id=search.id, volunteer_id=first.id, municipality_id=search.municipality_id,
                              phone_e164=first.phone_e164, code="223", status="timed_out",
                              created_at=search.created_at - timedelta(days=10), expires_at=search.created_at))
    db.session.commit()
    assert vs.offers_last_90_days([first.id, second.id]) == {first.id: 1}


def test_nobody_left_says_which_rule_removed_how_many_and_offers_to_relax(town, client, login):
    search = waiting(town)
    volunteer(town, "Vog Verloopt", vog_days=3)
    volunteer(town, "Nog Een", vog_days=4)
    volunteer(town, "Intake Iemand", status="intake")
    login(client, town.coordinator)
    page = text_of(client.get(f"/gemeente/maatjes/{search.id}"))
    assert "Niemand blijft over na de regels." in page
    assert "VOG geldig op de geplande start: 2 weg." in page and "Actief (niet in intake, gepauzeerd of gestopt): 1 weg." in page
    assert "Laat ook vrijwilligers zien van wie de VOG vandaag geldig is" in page and "(2 erbij)" in page
    relaxed = text_of(client.get(f"/gemeente/maatjes/{search.id}?versoepel=vog"))
    assert "Vog Verloopt" in relaxed and "versoepeld" in relaxed


def test_pc4_distance_bands():
    assert vs.pc4_distance("3512", "3512") == (0, 0)
    assert vs.pc4_distance("3512", "3514") == (1, 2)
    assert vs.pc4_distance("3512", "3581") == (2, 69)
    assert vs.pc4_distance("3512", "3811")[0] == 3
    assert vs.pc4_distance("35", "3811")[0] == 3
