"""The period filter of the reports (a GET form: the address says which period a report shows)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField
from wtforms.validators import Optional

from accounts.forms import Form
from reports import periods

KIND_CHOICES = [("month", _l("Maand")), ("quarter", _l("Kwartaal")), ("year", _l("Jaar")),
                ("custom", _l("Zelf kiezen"))]


class PeriodForm(Form):
    class Meta:
        csrf = False

    periode = RadioField(_l("Periode"), choices=KIND_CHOICES, default="month", validate_choice=False)
    jaar = SelectField(_l("Jaar"), validate_choice=False, validators=[Optional()])
    maand = SelectField(_l("Maand"), choices=[(str(i), label) for i, label in enumerate(periods.MONTHS, 1)],
                        validate_choice=False, validators=[Optional()])
    kwartaal = SelectField(_l("Kwartaal"), choices=[(str(q), str(q)) for q in range(1, 5)],
                           validate_choice=False, validators=[Optional()])
    van = DateField(_l("Eerste dag"), validators=[Optional()])
    tot = DateField(_l("Laatste dag"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.jaar.choices = [(str(y), str(y)) for y in periods.last_years()]


class QuarterForm(Form):
    """The council's only choice: one of the calendar quarters that have ended."""

    class Meta:
        csrf = False

    kwartaal = SelectField(_l("Kwartaal"), validate_choice=False, validators=[Optional()])
