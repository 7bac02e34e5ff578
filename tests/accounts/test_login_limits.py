"""Logging in at 08:00 (issue 16): the login limit counts per account and per client address, the
address limit generous enough for a call centre behind one proxy; ProxyFix (a setting) makes each
agent's own address count when the proxy forwards it."""
from __future__ import annotations

import pytest

from tests.conftest import DEFAULT_PASSWORD, csrf_from

CALL_CENTRE = "10.8.0.1"


def _login(app, email, password, address=CALL_CENTRE, headers=None):
    client = app.test_client()  # an agent's own browser, all of them behind the one address
    env = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/inloggen", environ_base=env, headers=headers))
    return client.post("/inloggen", data={"email": email, "password": password, "csrf_token": token},
                       environ_base=env, headers=headers).status_code


def test_fifty_agents_behind_one_address_all_log_in(app, factory):
    agency = factory.org(kind="agency", name="Callcentre")
    agents = [factory.user("agent", agency) for _ in range(50)]
    codes = [_login(app, agent.email, DEFAULT_PASSWORD) for agent in agents]
    assert codes == [302] * 50


def test_eleven_quick_failures_on_one_account_are_limited(app, factory):
    user = factory.user("agent")
    codes = [_login(app, user.email, "helemaal-fout-123", address=f"10.9.0.{i}") for i in range(11)]
    assert codes[:10] == [422] * 10  # from ten addresses: the account's limit, not an address's
    assert codes[10] == 429
    assert _login(app, factory.user("agent").email, DEFAULT_PASSWORD) == 302  # other accounts go on


@pytest.mark.config(RATELIMIT_LOGIN_ADDRESS="5 per minute")
def test_one_address_trying_many_accounts_meets_the_address_limit(app, factory):
    users = [factory.user("agent") for _ in range(6)]
    codes = [_login(app, u.email, "helemaal-fout-123") for u in users]
    assert codes == [422] * 5 + [429]


@pytest.mark.config(RATELIMIT_LOGIN_ADDRESS="5 per minute", PROXY_FIX_X_FOR=1)
def test_behind_a_proxy_each_agent_counts_by_the_forwarded_address(app, factory):
    users = [factory.user("agent") for _ in range(8)]
    codes = [_login(app, u.email, DEFAULT_PASSWORD, headers={"X-Forwarded-For": f"192.168.1.{i}"})
             for i, u in enumerate(users)]
    assert codes == [302] * 8


@pytest.mark.config(RATELIMIT_LOGIN_ADDRESS="5 per minute")
def test_without_proxy_fix_a_forwarded_address_is_not_trusted(app, factory):
    users = [factory.user("agent") for _ in range(6)]
    codes = [_login(app, u.email, "helemaal-fout-123", headers={"X-Forwarded-For": f"192.168.1.{i}"})
             for i, u in enumerate(users)]
    assert codes[-1] == 429
