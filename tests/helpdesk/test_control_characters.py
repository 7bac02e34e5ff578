"""Control characters in the agency's and the coordinator's forms (issue 15); the rule itself is
tested in tests/test_control_characters.py."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpdesk.models import Contact
from referrals.models import Citizen, Location
from tests.referrals.conftest import REFERRAL_FORM
from tests.test_control_characters import _assert_refused


@pytest.mark.parametrize("value", ["Jan\x00", "Jan\x1b"])
def test_contact_referral_and_location_forms_refuse_control_characters(app, world, client, login, post_form, value):
    from extensions import db
    login(client, world.agent)
    _assert_refused(post_form(client, "/klantcontact/nieuw", {
        "categories": ["digid_apply"], "solved": "no", "reason": "no_device", "notes": "Belt\x00 terug"}), "\x00")
    assert db.session.execute(select(func.count()).select_from(Contact)).scalar() == 0
    response = post_form(client, "/klantcontact/nieuw", {
        "categories": ["digid_apply"], "solved": "no", "reason": "no_device", "notes": "Regel een\r\nregel twee"})
    assert response.status_code == 302
    contact = db.session.execute(select(Contact)).scalar_one()
    _assert_refused(post_form(client, f"/klantcontact/{contact.id}/verwijzen", {**REFERRAL_FORM, "name": value}), value)
    assert db.session.execute(select(func.count()).select_from(Citizen)).scalar() == 0

    client = app.test_client()
    login(client, world.coordinator)
    _assert_refused(post_form(client, "/gemeente/locaties/nieuw", {
        "name": value, "street": "Oudegracht 1", "postcode": "3511ab", "city": "Utrecht",
        "phone": "030 111 2233", "slot_minutes": "60", "counters": "2", "what_to_bring": "ID"}), value)
    assert db.session.execute(select(func.count()).select_from(Location).where(Location.name.like("Jan%"))).scalar() == 0
