"""Control characters (NUL, ESC, DEL, C1) are refused at the form layer, for every field of every
form, with a message next to the field and 422, the same on SQLite and PostgreSQL (issue 15)."""
from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from accounts.forms import CONTROL_MESSAGE, Form
from accounts.models import Organisation, User

MESSAGE = "Dit veld bevat een teken dat niet is toegestaan."
BAD = ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\x01", "\x1f", "a\rb", "a\x0bb"]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_derives_from_the_base_that_refuses_control_characters(app):
    forms = [f for f in _subclasses(FlaskForm) if f.__module__.split(".")[0] not in ("tests", "flask_wtf")]
    assert len(forms) > 15, "all blueprints (and so all forms) are imported by create_app"
    forgot = [f"{f.__module__}.{f.__qualname__}" for f in forms if f is not Form and not issubclass(f, Form)]
    assert not forgot, f"forms that derive from FlaskForm instead of accounts.forms.Form: {forgot}"


@pytest.mark.parametrize("value", BAD)
def test_the_base_form_refuses_control_characters_in_every_kind_of_field(app, value):
    from wtforms import IntegerField, PasswordField, SelectField, StringField, TextAreaField

    class Sample(Form):
        class Meta:
            csrf = False

        text = StringField()
        secret = PasswordField()
        notes = TextAreaField()
        choice = SelectField(choices=[("a", "A")], validate_choice=False)
        number = IntegerField()

    with app.test_request_context(method="POST"):
        for name in ("text", "secret", "notes", "choice"):
            form = Sample(formdata=MultiDict({name: value}))
            assert not form.validate(), name
            assert form.errors[name][-1] == CONTROL_MESSAGE, name
            assert all(c not in str(form[name].data) for c in value if ord(c) < 32 or 0x7f <= ord(c) <= 0x9f)


def test_multi_line_text_keeps_newline_and_tab(app):
    from wtforms import StringField, TextAreaField

    class Sample(Form):
        class Meta:
            csrf = False

        line = StringField()
        notes = TextAreaField()

    with app.test_request_context(method="POST"):
        form = Sample(formdata=MultiDict({"notes": "een\r\ntwee\tdrie\nvier", "line": "café 😀 € ‘x’"}))
        assert form.validate(), form.errors
        assert form.notes.data == "een\ntwee\tdrie\nvier"
        for value in ("een\ttwee", "een\ntwee"):
            form = Sample(formdata=MultiDict({"line": value}))
            assert not form.validate() and form.errors["line"] == [CONTROL_MESSAGE]


def _assert_refused(response, value):
    html = response.get_data(as_text=True)
    assert response.status_code == 422, response.status_code
    assert MESSAGE in html
    assert value not in html, "the refused character is not shown back"


@pytest.mark.parametrize("value", ["Noord\x00", "Noord\x1b[31m"])
def test_admin_forms_refuse_control_characters(client, factory, login, post_form, value):
    from extensions import db
    login(client, factory.user("admin"))
    org = factory.org("municipality", name="Gemeente Oost")
    _assert_refused(post_form(client, "/beheer/organisaties/nieuw", {"name": value, "kind": "municipality"}), value)
    _assert_refused(post_form(client, "/beheer/gebruikers/nieuw", {
        "email": "nieuw@test.example.nl", "name": value, "role": "counter", "organisation_id": str(org.id)}), value)
    assert db.session.execute(select(func.count()).select_from(Organisation)
                              .where(Organisation.name.like("Noord%"))).scalar() == 0
    assert db.session.execute(select(func.count()).select_from(User)
                              .where(User.email == "nieuw@test.example.nl")).scalar() == 0
    # A GET filter with a control character does not reach the database (PostgreSQL refuses NUL).
    for url in ("/beheer/gebruikers?q=Noord%00", "/beheer/organisaties?soort=gemeente%00",
                "/beheer/sms?telefoon=06%00"):
        assert client.get(url).status_code == 200, url
    # The processing log answers a search with an error next to the field (a search needs a filter).
    refused = client.get("/beheer/verwerkingenlogboek?activity=referral&person=06%00")
    assert refused.status_code == 422 and "teken dat niet is toegestaan" in refused.get_data(as_text=True)
