from __future__ import annotations

import re

from sqlalchemy import func, select

from accounts.models import Organisation, User
from extensions import db
from tests.conftest import csrf_from


def _admin(factory):
    return factory.user("admin", factory.org(kind="system", name="Beheer"))


def test_admin_creates_an_organisation_with_validation(client, factory, login, post_form):
    login(client, _admin(factory))
    empty = post_form(client, "/beheer/organisaties/nieuw", {"name": "", "kind": "municipality"})
    assert empty.status_code == 422 and "Vul de naam in." in empty.get_data(as_text=True)
    ok = post_form(client, "/beheer/organisaties/nieuw", {"name": "Gemeente Zeist", "kind": "municipality", "active": "y"})
    assert ok.status_code == 302
    twice = post_form(client, "/beheer/organisaties/nieuw", {"name": "gemeente zeist", "kind": "municipality", "active": "y"})
    assert "al een organisatie met deze naam" in twice.get_data(as_text=True)
    assert db.session.execute(select(func.count(Organisation.id)).where(Organisation.name == "Gemeente Zeist")).scalar() == 1
    listing = client.get("/beheer/organisaties?soort=municipality").get_data(as_text=True)
    assert "Gemeente Zeist" in listing


def test_admin_creates_user_who_must_change_the_temporary_password(app, client, factory, login, post_form):
    login(client, _admin(factory))
    agency = factory.org(kind="agency", name="SVB")
    wrong_role = post_form(client, "/beheer/gebruikers/nieuw", {"email": "x@svb.example.nl", "name": "X",
                                                               "role": "counter", "organisation_id": agency.id})
    assert "rol past niet" in wrong_role.get_data(as_text=True)
    assert db.session.execute(select(User).where(User.email == "x@svb.example.nl")).scalar() is None
    created = post_form(client, "/beheer/gebruikers/nieuw", {"email": "Nieuw@SVB.example.nl", "name": "Nieuwe Agent",
                                                            "role": "agent", "organisation_id": agency.id})
    assert created.status_code == 200
    temporary = re.search(r"<code>([^<]+)</code>", created.get_data(as_text=True)).group(1)
    newcomer = app.test_client()
    page = newcomer.get("/inloggen")
    newcomer.post("/inloggen", data={"email": "nieuw@svb.example.nl", "password": temporary, "csrf_token": csrf_from(page)})
    assert newcomer.get("/").headers["Location"].endswith("/account/wachtwoord")


def test_admin_deactivates_a_user_and_their_session_ends(app, client, factory, login, post_form):
    admin = _admin(factory)
    login(client, admin)
    agent = factory.user("agent")
    agent_client = app.test_client()
    login(agent_client, agent)
    response = post_form(client, f"/beheer/gebruikers/{agent.id}", {"name": agent.name, "role": "agent",
                                                                     "organisation_id": agent.organisation_id})
    assert response.status_code == 302
    db.session.refresh(agent)
    assert agent.active is False
    assert agent_client.get("/").status_code == 302


def test_admin_cannot_lock_themselves_out(client, factory, login, post_form):
    admin = _admin(factory)
    login(client, admin)
    response = post_form(client, f"/beheer/gebruikers/{admin.id}", {"name": admin.name, "role": "admin",
                                                                     "organisation_id": admin.organisation_id})
    assert response.status_code == 422
    db.session.refresh(admin)
    assert admin.active is True


def test_reset_password_asks_for_confirmation_then_gives_a_temporary_one(client, factory, login, post_form):
    login(client, _admin(factory))
    agent = factory.user("agent")
    confirm = client.get(f"/beheer/gebruikers/{agent.id}/wachtwoord")
    assert "Wachtwoord herstellen" in confirm.get_data(as_text=True)
    old_hash = agent.password_hash
    done = post_form(client, f"/beheer/gebruikers/{agent.id}/wachtwoord")
    assert done.status_code == 200 and "<code>" in done.get_data(as_text=True)
    db.session.refresh(agent)
    assert agent.password_hash != old_hash and agent.must_change_password


def test_user_list_pages_and_filters(client, factory, login):
    login(client, _admin(factory))
    org = factory.org(kind="municipality", name="Gemeente Pagina")
    for _ in range(30):
        factory.user("counter", org)
    first = client.get(f"/beheer/gebruikers?organisation_id={org.id}").get_data(as_text=True)
    assert "Pagina 1 van 2" in first and "30 resultaten" in first
    second = client.get(f"/beheer/gebruikers?organisation_id={org.id}&page=2").get_data(as_text=True)
    assert "Pagina 2 van 2" in second
    assert "geen gebruikers" in client.get("/beheer/gebruikers?q=bestaatniet").get_data(as_text=True).lower()


def test_unknown_ids_give_a_dutch_404(client, factory, login):
    login(client, _admin(factory))
    response = client.get("/beheer/gebruikers/424242")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)
