"""The figures against the data set of conftest.py, whose counts are known by construction, and
isolation: an agency sees only its own figures, a municipality only its own."""
from __future__ import annotations

from decimal import Decimal

from reports import periods, services
from tests.reports.conftest import rows_of, table

MARCH = periods.month(2026, 3)


def test_agency_lead_figures(world):
    tables = services.agency_report(world.agency.id, MARCH)
    calls = rows_of(table(tables, "klantcontacten"))
    assert calls["Vastgelegde klantcontacten"][0] == 10
    assert calls["Opgelost aan de telefoon"] == [4, Decimal("40.0")]
    assert calls["Verwezen naar de gemeente"] == [5, Decimal("50.0")]
    assert calls["Niet opgelost en niet verwezen"][0] == 1
    reasons = table(tables, "redenen")
    assert reasons.rows[0][0] == "Geen computer, tablet of smartphone"  # the top reason first
    by_reason = rows_of(reasons)
    assert by_reason["Geen computer, tablet of smartphone"] == [3, 2, 1]  # March, February, difference
    assert by_reason["DigiD-brief niet bij de hand"] == [2, 0, 2]
    assert by_reason["Taal"] == [1, 1, 0]
    assert by_reason["Gehoor"] == [0, 0, 0]  # the SVB's reason is not ours
    categories = rows_of(table(tables, "vraagcategorieen"))
    assert categories["Belastingaangifte"] == [4] and categories["DigiD aanvragen"] == [6]
    assert categories["AOW"] == [0]
    municipalities = rows_of(table(tables, "gemeenten"))
    assert municipalities == {"Gemeente Utrecht": [3, 2, Decimal("66.7")], "Gemeente Ede": [2, 1, Decimal("50.0")]}
    loop = rows_of(table(tables, "kringloop"))
    assert loop["Verwijzingen"][0] == 5 and loop["Met bekende uitkomst"][0] == 3
    assert loop["Met afspraak: dagen van verwijzing tot afspraak"] == [4, Decimal("2.0"), Decimal("2.0")]
    assert loop["Met uitkomst: dagen van verwijzing tot uitkomst"] == [3, Decimal("4.0"), Decimal("4.0")]
    visits = rows_of(table(tables, "opkomst"))
    assert visits["Geweest"][0] == 3 and visits["Niet gekomen"][0] == 1


def test_an_agency_sees_only_its_own_figures(world):
    tables = services.agency_report(world.other_agency.id, MARCH)
    assert rows_of(table(tables, "klantcontacten"))["Vastgelegde klantcontacten"][0] == 3
    assert rows_of(table(tables, "gemeenten")) == {"Gemeente Utrecht": [2, 1, Decimal("50.0")]}
    assert rows_of(table(tables, "redenen"))["Geen computer, tablet of smartphone"][0] == 0


def test_municipality_figures_and_isolation(world):
    tables = services.municipality_report(world.municipality.id, MARCH)
    received = rows_of(table(tables, "verwijzers"))
    assert received == {"Belastingdienst": [3], "SVB": [2]}
    appointments = rows_of(table(tables, "afspraken"))
    assert appointments["Geweest"] == [3] and appointments["Niet gekomen"] == [2]
    results = rows_of(table(tables, "uitkomsten"))
    assert results["Opgelost"] == [1] and results["Deels opgelost"] == [1] and results["Niet opgelost"] == [1]
    solutions = rows_of(table(tables, "oplossingen"))
    assert solutions["Cursus Digisterker"] == [1] and solutions["Vrijwilliger als maatje"] == [0]
    minutes = rows_of(table(tables, "minuten"))
    assert minutes["Aan de balie"] == [3, 120, Decimal("40.0")]
    other = services.municipality_report(world.other_municipality.id, MARCH)
    assert rows_of(table(other, "verwijzers")) == {"Belastingdienst": [2]}
    assert rows_of(table(other, "oplossingen"))["Vrijwilliger als maatje"] == [1]


def test_the_page_shows_the_users_own_organisation(client, login, world):
    login(client, world.other_lead)
    html = client.get("/rapportage?periode=month&jaar=2026&maand=3").get_data(as_text=True)
    assert "Rapportage voor de leiding" in html
    assert "Gemeente Ede" not in html  # the SVB referred nobody to Ede; the Belastingdienst did


def test_a_period_that_cannot_be_read_answers_with_its_message(client, login, world):
    login(client, world.municipal_lead)
    response = client.get("/rapportage?periode=custom&van=2026-03-31&tot=2026-03-01")
    assert response.status_code == 422
    assert "De laatste dag ligt voor de eerste dag." in response.get_data(as_text=True)
    response = client.get("/rapportage?periode=custom&van=&tot=")
    assert response.status_code == 422 and "Vul de eerste dag in" in response.get_data(as_text=True)
    assert client.get("/rapportage?periode=custom&van=2026-03-01&tot=2026-03-31").status_code == 200


def test_previous_periods():
    assert periods.month(2026, 1).previous() == periods.month(2025, 12)
    assert periods.quarter(2026, 1).previous() == periods.quarter(2025, 4)
    assert periods.year(2026).previous() == periods.year(2025)
    custom = services.choose_period(services.PeriodChoice(kind="custom", start=periods.date(2026, 3, 1),
                                                          end=periods.date(2026, 3, 10)))
    assert custom.previous().end == custom.start and (custom.previous().end - custom.previous().start).days == 10
