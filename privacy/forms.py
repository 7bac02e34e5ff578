from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

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
