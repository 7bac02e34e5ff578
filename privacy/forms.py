from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from accounts.forms import DateWithin, Form


class LogFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = SelectField(_l("Handeling"), validators=[Optional()])
    subject_type = SelectField(_l("Soort gegeven"), validators=[Optional()])
    subject_id = IntegerField(_l("Nummer"), validators=[Optional(), NumberRange(min=1, message=_l("Vul een positief nummer in."))])
    organisation_id = SelectField(_l("Organisatie"), coerce=int, validators=[Optional()])
    since = DateField(_l("Vanaf (datum)"), validators=[Optional(), DateWithin(20, 1)])
    until = DateField(_l("Tot en met (datum)"), validators=[Optional(), DateWithin(20, 1)])
