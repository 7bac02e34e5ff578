"""CSV (BOM, separator, formula escaping) and SVG charts (accessibility, same bytes for the same data)."""
from __future__ import annotations

import re
from decimal import Decimal

from reports import periods, services
from reports.charts import bar_chart
from reports.csv import BOM, table_csv
from reports.tables import Table

MARCH = periods.month(2026, 3)


def test_csv_has_a_bom_semicolons_and_no_formulas():
    table = Table("t", "Titel", ["Naam", "Aantal"],
                  [["=SUM(A1:A9)", 1], ["+31", 2], ["-2+3", 3], ["@cmd", 4], ["\tx", 5], ["\rx", 6], ["Gewoon; met", -7],
                   ["Komma", Decimal("2.5")]])
    body = table_csv(table)
    assert body.startswith(BOM.encode("utf-8"))
    lines = body.decode("utf-8")[1:].split("\r\n")
    assert lines[0] == "Naam;Aantal"
    assert lines[1] == "'=SUM(A1:A9);1"
    assert lines[2] == "'+31;2"
    assert lines[3] == "'-2+3;3"
    assert lines[4] == "'@cmd;4"
    assert lines[5].startswith("'\tx;")
    assert lines[6].startswith('"\'\rx";') or lines[6].startswith("'\rx")
    assert lines[-3] == '"Gewoon; met";-7'  # a figure stays a figure; a separator inside is quoted
    assert lines[-2] == "Komma;2,5"


def test_csv_download(client, login, world):
    login(client, world.lead)
    response = client.get("/rapportage/csv/redenen?periode=month&jaar=2026&maand=3")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "2026-03" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith(BOM)
    assert "Geen computer, tablet of smartphone;3;2;1" in text
    assert client.get("/rapportage/csv/bestaat-niet?periode=month&jaar=2026&maand=3").status_code == 404


def test_svg_is_accessible_and_the_same_for_the_same_data(world):
    first = [bar_chart(t) for t in services.agency_report(world.agency.id, MARCH)]
    second = [bar_chart(t) for t in services.agency_report(world.agency.id, MARCH)]
    assert [str(s).encode() for s in first] == [str(s).encode() for s in second]
    for svg in first:
        assert 'role="img"' in svg
        title = re.search(r'<title id="([^"]+)">([^<]+)</title>', svg)
        desc = re.search(r'<desc id="([^"]+)">([^<]+)</desc>', svg)
        assert title and desc
        assert f'aria-labelledby="{title.group(1)} {desc.group(1)}"' in svg
        assert "<script" not in svg and "href" not in svg  # nothing runs, nothing is fetched
    reasons = str(first[1])
    assert "Geen computer, tablet of smartphone: maart 2026 3, Vorige periode (februari 2026) 2" in reasons


def test_the_page_shows_chart_and_table_with_the_same_figures(client, login, world):
    login(client, world.lead)
    html = client.get("/rapportage?periode=month&jaar=2026&maand=3").get_data(as_text=True)
    assert html.count('role="img"') == 7
    assert '<th scope="row">Vastgelegde klantcontacten</th><td class="number">10</td>' in html
    assert ">66,7</td>" in html  # the Dutch decimal comma, as in the chart and the CSV
