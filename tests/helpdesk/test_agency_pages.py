"""The second line's pages belong to agencies: a lead is a role of municipalities too, and a
municipality's lead neither sees them in the navigation nor opens them."""
from __future__ import annotations

import pytest

from accounts.models import Role


@pytest.mark.parametrize("path", ["/tweede-lijn", "/tweede-lijn/bewaking", "/tweede-lijn/instellingen"])
def test_a_municipal_lead_is_refused_the_agency_pages(client, factory, login, path):
    login(client, factory.user(Role.LEAD, org=factory.org("municipality")))
    assert client.get(path).status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert "Escalaties tweede lijn" not in home and "Bewaking tweede lijn" not in home


def test_an_agency_lead_opens_them(client, factory, login):
    login(client, factory.user(Role.LEAD, org=factory.org("agency")))
    assert client.get("/tweede-lijn/bewaking").status_code == 200
    assert "Bewaking tweede lijn" in client.get("/").get_data(as_text=True)
