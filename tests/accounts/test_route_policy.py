"""Walks every registered route for every role and checks it against the declared policy."""
from __future__ import annotations

import pytest

from accounts.models import ROLES_BY_KIND, Role
from accounts.policy import PUBLIC, policy_for
from tests.conftest import csrf_from


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):  # files, no data
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        url = rule.build({arg: 999999 for arg in rule.arguments}, append_unknown=False)[1]
        yield rule.endpoint, method, url


def test_every_route_declares_a_policy(app):
    missing = [endpoint for endpoint, *_ in _routes(app) if policy_for(app.view_functions[endpoint]) is None]
    assert missing == [], f"routes without @allow or @public: {missing}"


def test_anonymous_gets_login_for_every_protected_route(app, client):
    for endpoint, method, url in _routes(app):
        policy = policy_for(app.view_functions[endpoint])
        response = client.open(url, method=method)
        went_to_login = response.status_code == 302 and "/inloggen" in response.headers["Location"]
        if policy.roles == PUBLIC:
            assert not went_to_login, f"{endpoint} is public but asked for a login"
        elif method == "GET":
            assert went_to_login, f"{endpoint} let an anonymous visitor through: {response.status_code}"
        else:
            # A POST without a CSRF token is refused before anything else.
            assert response.status_code in (302, 400), f"{endpoint}: {response.status_code}"


@pytest.mark.config(RATELIMIT_LOGIN="1000 per minute")  # one login per POST route: more than 10 routes now
@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_what_the_policy_allows(app, factory, login, role):
    kind = next(k for k, roles in ROLES_BY_KIND.items() if role in roles)
    user = factory.user(role, factory.org(kind=kind.value))
    client = app.test_client()
    login(client, user)
    checked = 0
    for endpoint, method, url in _routes(app):
        policy = policy_for(app.view_functions[endpoint])
        if policy.roles == PUBLIC or endpoint == "accounts.logout":
            continue
        data = {"csrf_token": csrf_from(client.get("/toegankelijkheid"))} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        allowed = role in policy.roles
        if allowed:
            assert response.status_code != 403, f"{role} should reach {endpoint}"
            assert "/inloggen" not in response.headers.get("Location", ""), f"{role} lost the session at {endpoint}"
        else:
            assert response.status_code == 403, f"{role} should be refused {endpoint}, got {response.status_code}"
        checked += 1
        if method == "POST":  # a POST may end the session (logout-like); start clean
            client = app.test_client()
            login(client, user)
    assert checked > 10
