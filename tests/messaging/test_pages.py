"""The outbox page and the inbound page: who sees what, filters, paging, the outbox notice."""
from __future__ import annotations

import pytest

from accounts.models import Role
from extensions import db
from messaging.models import InboundMessage
from messaging.services import queue_sms


def _queue(key, to, org=None, **kw):
    return queue_sms(to=to, purpose="test", language="nl", values={"organisation": "Gemeente Ede"},
                     subject_type="demo", subject_id=1, dedup_key=key, organisation_id=org.id if org else None, **kw)


def test_admin_sees_every_message_and_why_it_was_not_sent(client, factory, login, daytime):
    ede = factory.org("municipality", name="Gemeente Ede")
    _queue("a", "06 12345678", ede)
    _queue("b", "020 123 4567")
    db.session.commit()
    login(client, factory.user(Role.ADMIN))
    page = client.get("/beheer/sms")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Niet verzonden: geen sms-provider ingesteld." in html
    assert "06 12345678" in html and "020 123 4567" in html and "Gemeente Ede" in html
    assert "vast nummer" in html
    assert "In de wachtrij" in html and "Mislukt" in html
    assert page.headers["Cache-Control"] == "no-store"
    from privacy.services import pseudonym
    from tests.privacy.lines import log_rows
    logged = log_rows(activity_id="sms")
    assert {(line.action, line.person_type) for line in logged} == {("read", "phone")}
    assert {line.person for line in logged} == {pseudonym("phone", "+31612345678"), pseudonym("phone", "+31201234567")}


def test_staff_see_only_their_own_organisation(client, factory, login, daytime):
    ede, wageningen = factory.org("municipality"), factory.org("municipality")
    _queue("ede", "06 11111111", ede)
    _queue("wag", "06 22222222", wageningen)
    db.session.commit()
    login(client, factory.user(Role.COORDINATOR, org=ede))
    html = client.get("/beheer/sms").get_data(as_text=True)
    assert "06 11111111" in html and "06 22222222" not in html


@pytest.mark.parametrize("role", [Role.COUNTER, Role.AGENT, Role.COUNCIL])
def test_other_roles_are_refused(client, factory, login, role):
    login(client, factory.user(role))
    assert client.get("/beheer/sms").status_code == 403
    assert client.get("/beheer/sms/ontvangen").status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get("/beheer/sms")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_filters_and_paging(client, factory, login, daytime, app):
    app.config["PAGE_SIZE"] = 5
    for i in range(12):
        _queue(f"m{i}", f"06 3333{i:04d}")
    _queue("land", "010 123 4567")
    db.session.commit()
    login(client, factory.user(Role.ADMIN))
    html = client.get("/beheer/sms").get_data(as_text=True)
    assert "Pagina 1 van 3" in html
    html = client.get("/beheer/sms?page=3").get_data(as_text=True)
    assert "Pagina 3 van 3" in html
    html = client.get("/beheer/sms?status=failed").get_data(as_text=True)
    assert "010 123 4567" in html and "06 3333" not in html
    html = client.get("/beheer/sms?telefoon=06-33330007").get_data(as_text=True)
    assert "06 33330007" in html and "06 33330006" not in html
    assert client.get("/beheer/sms?status=nonsense&page=x").status_code == 200


def test_inbound_page_lists_received_messages(client, factory, login):
    db.session.add(InboundMessage(provider_sid="SM1", from_e164="+31612345678", to_number="+3197010000000",
                                  body="STOP", outcome="opt_out", reply="U krijgt geen sms meer van Wegwijs."))
    db.session.commit()
    login(client, factory.user(Role.ADMIN))
    html = client.get("/beheer/sms/ontvangen").get_data(as_text=True)
    assert "06 12345678" in html and "Afgemeld (STOP)" in html
