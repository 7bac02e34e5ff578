import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from accounts.models import OrgKind, Role
from extensions.dates import day, local_today

ROLE_LABELS = {
    Role.AGENT: _l("Medewerker klantcontact"),
    Role.SECOND_LINE: _l("Tweedelijns helpdesk"),
    Role.COUNTER: _l("Baliemedewerker"),
    Role.COORDINATOR: _l("Coördinator"),
    Role.LEAD: _l("Leidinggevende"),
    Role.COUNCIL: _l("Cliëntenraad"),
    Role.ADMIN: _l("Beheerder"),
    Role.PRIVACY_OFFICER: _l("Privacyfunctionaris"),
}

KIND_LABELS = {
    OrgKind.AGENCY: _l("Uitvoeringsorganisatie"),
    OrgKind.MUNICIPALITY: _l("Gemeente"),
    OrgKind.COUNCIL: _l("Cliëntenraad"),
    OrgKind.SYSTEM: _l("Beheer"),
}


# Control characters (C0, DEL, C1). Multi-line text keeps tab and newline; "\r\n" becomes "\n".
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = _l("Dit veld bevat een teken dat niet is toegestaan. Typ de tekst opnieuw, zonder speciale tekens.")


def _without_controls(value, pattern):
    if isinstance(value, str):
        return pattern.sub("", value)
    if isinstance(value, list):
        return [_without_controls(v, pattern) for v in value]
    return value


class Form(FlaskForm):
    """The base of every form in Wegwijs: use it instead of FlaskForm (a test checks that).

    Refuses control characters in every submitted value, for every field: NUL, ESC and the like
    never reach a service or the database (PostgreSQL cannot even store NUL). The field shows a
    message and validate() fails, so the page answers 422. The value shown again (and the value a
    view reads without validating, as GET filters do) is the input without those characters.
    """

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data, extra_filters, **kwargs)
        self._refused_characters = []
        for name, field in self._fields.items():
            multiline = isinstance(field, TextAreaField)
            pattern = _CONTROL_MULTILINE if multiline else _CONTROL
            if multiline and isinstance(field.data, str):
                field.data = field.data.replace("\r\n", "\n")
            raw = [v.replace("\r\n", "\n") if multiline else v for v in (field.raw_data or []) if isinstance(v, str)]
            if any(pattern.search(v) for v in raw):
                self._refused_characters.append(name)
                field.data = _without_controls(field.data, pattern)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for name in self._refused_characters:
            self._fields[name].errors = list(self._fields[name].errors) + [CONTROL_MESSAGE]
        self._errors = None  # form.errors is computed again, with these
        return valid and not self._refused_characters


class LoginForm(Form):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul uw e-mailadres in.")),
                                                      Email(_l("Vul een geldig e-mailadres in."))])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in."))])


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Huidig wachtwoord"),
                                     validators=[DataRequired(_l("Vul uw huidige wachtwoord in."))])
    new_password = PasswordField(_l("Nieuw wachtwoord"),
                                 validators=[DataRequired(_l("Vul een nieuw wachtwoord in."))])
    repeat_password = PasswordField(_l("Herhaal het nieuwe wachtwoord"),
                                    validators=[DataRequired(_l("Herhaal het nieuwe wachtwoord."))])

    def validate_repeat_password(self, field):
        if field.data != self.new_password.data:
            raise ValidationError(_l("De twee nieuwe wachtwoorden zijn niet gelijk."))


class CodeForm(Form):
    code = StringField(_l("Code uit de app"), validators=[DataRequired(_l("Vul de code van zes cijfers in.")),
                                                         Length(min=6, max=7, message=_l("De code heeft zes cijfers."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ConfirmIdentityForm(Form):
    password = PasswordField(_l("Uw wachtwoord"), validators=[Optional()],
                             render_kw={"autocomplete": "current-password"})
    code = StringField(_l("Of de code uit de app"), validators=[Optional(), Length(max=7)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ConfirmForm(Form):
    """A form with only a CSRF token: for buttons that change something."""


class OrganisationForm(Form):
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul de naam in.")), Length(max=120)])
    kind = SelectField(_l("Soort"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    active = BooleanField(_l("Actief"), default=True)


class UserForm(Form):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul het e-mailadres in.")),
                                                      Email(_l("Vul een geldig e-mailadres in.")), Length(max=254)])
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul de naam in.")), Length(max=120)])
    role = SelectField(_l("Rol"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    organisation_id = SelectField(_l("Organisatie"), coerce=int,
                                  validators=[DataRequired(_l("Kies een organisatie."))])
    active = BooleanField(_l("Actief"), default=True)


class UserFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Zoek op naam of e-mail"), validators=[Optional(), Length(max=100)])
    organisation_id = SelectField(_l("Organisatie"), coerce=int, validators=[Optional()])


class DateWithin:
    """A date no further than `years_back` before and `years_ahead` after today (Amsterdam).

    Keeps typed years such as 9999 or 0001 out of the services, with a message next to the field."""

    def __init__(self, years_back: int = 1, years_ahead: int = 2):
        self.years_back, self.years_ahead = years_back, years_ahead

    def __call__(self, form, field):
        if field.data is None:
            return
        today = local_today()
        first = today.replace(year=today.year - self.years_back, day=min(today.day, 28))
        last = today.replace(year=today.year + self.years_ahead, day=min(today.day, 28))
        if not first <= field.data <= last:
            raise ValidationError(_l("Kies een datum tussen %(first)s en %(last)s.",
                                     first=day(first, "date"), last=day(last, "date")))


def show_error(form, err) -> None:
    """Put a service's DomainError next to its field (every field, when the error carries a dict
    `errors` of field -> message), or at the top of the form when the field is not on it."""
    errors = getattr(err, "errors", None) or {err.field: err.message}
    for name, message in errors.items():
        target = getattr(form, name, None) if name else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            form.form_errors.append(message)


def form_status(form) -> int:
    """422 for a form page shown again with errors, 200 otherwise."""
    return 422 if form.errors or form.form_errors else 200
