"""The outbox speaks Dutch: every SMS purpose has a label, shown in the "Soort" column and the filter."""
from __future__ import annotations

import re

from accounts.models import Role
from extensions import db
from messaging.services import queue_sms
from messaging.sms_texts import PURPOSE_LABELS, TEXTS


def test_every_purpose_has_a_label():
    assert set(TEXTS) <= set(PURPOSE_LABELS), set(TEXTS) - set(PURPOSE_LABELS)
    assert all(str(label) and str(label) != purpose for purpose, label in PURPOSE_LABELS.items())


def test_outbox_shows_the_label_and_the_language_in_dutch(client, factory, login, daytime):
    ede = factory.org("municipality", name="Gemeente Ede")
    queue_sms(to="06 87654321", purpose="no_show", language="en",
              values={"sender": "Gemeente Ede", "date": "maandag 23 november", "time": "10:00", "phone": "0318 123 456"},
              subject_type="demo", subject_id=1, dedup_key="label", organisation_id=ede.id)
    db.session.commit()
    login(client, factory.user(Role.ADMIN))
    page = client.get("/beheer/sms").get_data(as_text=True)
    assert "<td>Niet gekomen (Engels)</td>" in page
    assert "no_show" not in re.sub(r'value="\w*"', "", page)
    options = dict(re.findall(r'<option[^>]*value="(\w*)"[^>]*>([^<]*)</option>', page))
    assert options["appointment_confirmation"] == "Bevestiging van de afspraak"
    assert options["no_show"] == "Niet gekomen"
    filtered = client.get("/beheer/sms?purpose=no_show").get_data(as_text=True)
    assert "06 87654321" in filtered
    assert "06 87654321" not in client.get("/beheer/sms?purpose=test").get_data(as_text=True)
