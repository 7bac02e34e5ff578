from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from accounts.forms import DateWithin, Form


class LogFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    person_type = SelectField(_l("Soort persoon"), validators=[Optional()])
    person = StringField(_l("Persoon"), validators=[Optional(), Length(max=80)])
    trace_id = StringField(_l("Trace-id"), validators=[Optional(), Regexp(
        r"^\s*[0-9a-fA-F]{32}\s*$", message=_l("Een trace-id bestaat uit 32 tekens: cijfers en de letters a tot en met f."))])
    activity = SelectField(_l("Verwerkingsactiviteit"), validators=[Optional()])
    action = SelectField(_l("Handeling"), validators=[Optional()])
    organisation_id = SelectField(_l("Organisatie"), coerce=int, validators=[Optional()])
    since = DateField(_l("Vanaf (datum)"), validators=[Optional(), DateWithin(20, 1)])
    until = DateField(_l("Tot en met (datum)"), validators=[Optional(), DateWithin(20, 1)])


class PersonSearchForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Naam, telefoonnummer, of postcode met huisnummer"),
                    validators=[Optional(), Length(max=120, message=_l("Typ hooguit 120 tekens."))])


class CorrectionForm(Form):
    field = SelectField(_l("Welk gegeven"), validators=[DataRequired(message=_l("Kies een gegeven."))])
    value = StringField(_l("Nieuwe waarde"), validators=[Length(max=120, message=_l("Typ hooguit 120 tekens."))])
    reason = TextAreaField(_l("Waarom (het verzoek)"), validators=[
        DataRequired(message=_l("Schrijf op waarom het gegeven wordt verbeterd.")),
        Length(max=300, message=_l("Houd de reden korter dan 300 tekens."))])


class ErasureForm(Form):
    reason = SelectField(_l("Reden"), validators=[DataRequired(message=_l("Kies een reden."))])
    confirm = BooleanField(_l("Ik heb gecontroleerd dat dit de juiste persoon is."),
                           validators=[DataRequired(message=_l("Vink aan dat u het hebt gecontroleerd."))])


class DecisionForm(Form):
    confirm = BooleanField(_l("Ik begrijp dat wissen niet terug te draaien is."))


class HoldForm(Form):
    reason = SelectField(_l("Reden van de bewaarplicht"), validators=[DataRequired(message=_l("Kies een reden."))])
