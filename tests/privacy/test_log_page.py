"""The log's read interface: a query names a person, a trace or an activity, or is refused with a
message next to the field; it finds a person by number, phone number or pseudonym."""
from __future__ import annotations

import re

from extensions import db
from privacy.services import pseudonym, record


def _cells(response):
    return re.findall(r"<td>(.*?)</td>", response.get_data(as_text=True), re.S)


def _admin(client, factory, login):
    admin = factory.user("admin", factory.org(kind="system"))
    login(client, admin)
    return admin


def test_a_query_without_person_trace_or_activity_is_refused_next_to_the_field(client, factory, login):
    _admin(client, factory, login)
    record("counter", "read", "citizen", 7, actor=factory.user("counter"))
    db.session.commit()
    first = client.get("/beheer/verwerkingenlogboek")  # the empty form: no lines, no error yet
    assert first.status_code == 200 and "<table" not in first.get_data(as_text=True)
    refused = client.get("/beheer/verwerkingenlogboek?action=read&since=2026-01-01")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<table" not in page
    message = "Kies een persoon, een trace-id of een verwerkingsactiviteit."
    assert page.count(message) == 2  # in the summary and next to the person field
    assert re.search(r'id="person-error"[^>]*>[^<]*' + re.escape(message), page) or \
        re.search(re.escape(message) + r'.{0,400}name="person"', page, re.S)


def test_the_officer_finds_a_persons_lines_by_number_phone_pseudonym_trace_or_activity(client, factory, login):
    _admin(client, factory, login)
    counter = factory.user("counter")
    record("counter", "read", "citizen", 7, detail="afspraak 1", actor=counter)
    record("volunteer", "update", "volunteer", 7, actor=counter)
    record("sms", "read", "phone", "+31612345678", actor=counter)
    db.session.commit()
    by_number = client.get("/beheer/verwerkingenlogboek?person_type=citizen&person=7")
    cells = _cells(by_number)
    assert by_number.status_code == 200 and "Hulp aan de balie" in cells and "Vrijwilligers" not in cells
    assert counter.email in cells and "afspraak 1" in cells
    by_pseudonym = _cells(client.get(f"/beheer/verwerkingenlogboek?person={pseudonym('volunteer', 7)}"))
    assert "Vrijwilligers" in by_pseudonym and "Hulp aan de balie" not in by_pseudonym
    by_phone = _cells(client.get("/beheer/verwerkingenlogboek?person=06+12345678"))
    assert "Sms-berichten" in by_phone and "Telefoonnummer" in " ".join(by_phone)
    by_activity = _cells(client.get("/beheer/verwerkingenlogboek?activity=volunteer"))
    assert "Vrijwilligers" in by_activity and "Sms-berichten" not in by_activity
    trace = re.search(r"trace_id=([0-9a-f]{32})", by_number.get_data(as_text=True)).group(1)
    assert len(_cells(client.get(f"/beheer/verwerkingenlogboek?trace_id={trace}"))) >= 9 * 3
    nobody = client.get("/beheer/verwerkingenlogboek?person=geen+idee")
    assert nobody.status_code == 422 and "Geen persoon gevonden" in nobody.get_data(as_text=True)
    bad_trace = client.get("/beheer/verwerkingenlogboek?trace_id=xyz")
    assert bad_trace.status_code == 422 and "32 tekens" in bad_trace.get_data(as_text=True)
    dates = client.get("/beheer/verwerkingenlogboek?activity=sms&since=2026-02-01&until=2026-01-01")
    assert "De einddatum ligt voor de begindatum." in dates.get_data(as_text=True)


def test_only_admins_see_the_log(client, factory, login):
    login(client, factory.user("lead"))
    assert client.get("/beheer/verwerkingenlogboek").status_code == 403
