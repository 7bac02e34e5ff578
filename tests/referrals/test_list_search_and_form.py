"""Issue 14: "Mijn verwijzingen" (own first, the organisation one click away, search by name, phone
or postcode, the appointment date after an outcome), and the referral form's details."""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from extensions import DomainError, clock, db
from messaging.phone import parse_phone
from referrals.services import book, free_slots, parse_search, referral_for_user, reminder_expected
from tests.referrals.conftest import make_referral


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_my_referrals_first_and_the_organisations_one_click_away(world, client, login):
    make_referral(world.agent, name="Eigen Inwoner")
    make_referral(world.colleague, name="Collega Inwoner", phone="06 22222222")
    db.session.commit()
    login(client, world.agent)
    mine = _page(client, "/verwijzingen")
    assert "Eigen Inwoner" in mine and "Collega Inwoner" not in mine
    assert "Alle verwijzingen van de organisatie" in mine and "?alle=1" in mine
    everything = _page(client, "/verwijzingen?alle=1")
    assert "Eigen Inwoner" in everything and "Collega Inwoner" in everything


def test_search_by_phone_postcode_and_the_start_of_the_name(world, client, login):
    make_referral(world.agent, name="Jan de Vries", phone="06 12345678", postcode="3512 AB", house_number="14")
    make_referral(world.agent, name="Anna Smit", phone="030 123 4567", channel="phone", postcode="3511 CD",
                  house_number="2")
    make_referral(world.other_agent, name="Jan de Vries", phone="06 12345678")  # another agency's: never
    db.session.commit()
    login(client, world.agent)

    def found(term: str) -> list[str]:
        page = _page(client, "/verwijzingen?" + urlencode({"zoek": term}))
        return [name for name in ("Jan de Vries", "Anna Smit") if f">{name}</a>" in page]

    assert found("06-12345678") == ["Jan de Vries"]  # compared in E.164
    assert found("+31 6 1234 5678") == ["Jan de Vries"]
    assert found("030 1234567") == ["Anna Smit"]
    assert found("3512ab") == ["Jan de Vries"]
    assert found("3511 CD 2") == ["Anna Smit"]
    assert found("3511 CD 3") == []
    assert found("jan de") == ["Jan de Vries"]
    assert found("ANNA") == ["Anna Smit"]
    assert found("Smit") == []  # the start of the name, so that an index serves it
    page = _page(client, "/verwijzingen?zoek=06-01234567")
    assert "een mobiel nummer begint met 06-1 t/m 06-9" in page
    assert "1 verwijzing gevonden." in _page(client, "/verwijzingen?zoek=3512+AB")


def test_parse_search_says_what_it_looks_for():
    assert parse_search("  ") is None
    assert parse_search("06 12345678").value == "+31612345678"
    assert (parse_search("3512ab 14").kind, parse_search("3512ab 14").house_number) == ("postcode", "14")
    assert parse_search("de Vries").kind == "name"
    assert parse_search("j").kind == "invalid"
    assert parse_search("50%_x").kind == "name"  # LIKE characters are escaped, not wildcards


def test_the_appointment_date_stays_in_view_after_the_visit(world, client, login):
    from counter.services import check_in
    referral = make_referral(world.agent)
    appointment = book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)
    check_in(appointment, actor=world.counter)
    db.session.commit()
    login(client, world.agent)
    page = _page(client, "/verwijzingen")
    row = page[page.find(">Jan de Vries</a>"):]
    row = row[:row.find("</tr>")]
    assert "Stadskantoor" in row or world.location.name in row


def test_a_mobile_number_that_cannot_exist_says_why():
    with pytest.raises(DomainError) as err:
        parse_phone("06-01234567")
    assert "een mobiel nummer begint met 06-1 t/m 06-9" in err.value.message
    with pytest.raises(DomainError) as err:
        parse_phone("12345")
    assert "Dit is geen geldig telefoonnummer" in err.value.message


def test_a_same_day_appointment_promises_no_reminder(world, client, login, post_form):
    today = make_referral(world.agent)
    slot = free_slots(world.municipality.id, limit=1)[0]  # the first free slot: today
    assert slot.starts_at.date() == clock.now().date()
    appointment = book(today, slot.id, actor=world.agent)
    assert reminder_expected(appointment) is False
    db.session.commit()
    login(client, world.agent)
    page = _page(client, f"/verwijzingen/{today.id}/bevestiging")
    assert "de dag van tevoren" not in page and "geen herinnering" in page
    later = make_referral(world.agent, name="Kees", phone="06 22222222")
    next_week = free_slots(world.municipality.id, from_day=datetime(2026, 12, 1, tzinfo=UTC).date(), limit=1)[0]
    assert reminder_expected(book(later, next_week.id, actor=world.agent)) is True


def test_the_referral_page_names_street_and_house_number(world, client, login):
    letter = make_referral(world.agent, channel="letter", street="Kanaalweg", city="Utrecht", house_number="33")
    plain = make_referral(world.agent, name="Zonder Straat", phone="06 22222222", house_number="33")
    db.session.commit()
    login(client, world.agent)
    assert "Kanaalweg 33, 3512 AB Utrecht" in _page(client, f"/verwijzingen/{letter.id}")
    assert "Huisnummer 33, 3512 AB" in _page(client, f"/verwijzingen/{plain.id}")


def test_helper_details_count_only_with_a_helper(world):
    without = make_referral(world.agent, helper_name="Kees", helper_phone="06 33333333", brings_helper=False)
    withh = make_referral(world.agent, name="Met Helper", phone="06 22222222", helper_name="Kees",
                          helper_phone="06 33333333", brings_helper=True)
    assert referral_for_user(without.id, user=world.agent).citizen.helper_name == ""
    assert referral_for_user(withh.id, user=world.agent).citizen.helper_phone_e164 == "+31633333333"
