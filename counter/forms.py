"""Forms of the counter: shape only; counter.services decides."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from accounts.forms import DateWithin, Form
from counter.models import ACTIONS, RESULTS, SOLUTIONS
from referrals.forms import MultiCheckboxField


class DayListForm(Form):
    """The location and date picker of the day list (GET, no CSRF)."""

    class Meta:
        csrf = False

    locatie = SelectField(_l("Locatie"), coerce=int, validate_choice=False, validators=[Optional()])
    datum = DateField(_l("Datum"), validators=[Optional(), DateWithin(1, 5)])


class OutcomeForm(Form):
    actions = MultiCheckboxField(_l("Wat is er gedaan?"), choices=list(ACTIONS.items()))
    minutes = StringField(_l("Hoeveel minuten?"), validators=[Length(max=5)],
                          render_kw={"inputmode": "numeric", "autocomplete": "off"})
    result = RadioField(_l("Resultaat"), choices=list(RESULTS.items()), validate_choice=False)
    solution = RadioField(_l("Blijvende oplossing"), choices=list(SOLUTIONS.items()), validate_choice=False)
    course_id = SelectField(_l("Cursus (bij Digisterker)"), validate_choice=False)
    other_support = StringField(_l("Welke andere hulp in de buurt?"), validators=[Length(max=200)])
    escalation_need = TextAreaField(_l("Wat moet de tweede lijn doen?"), validators=[Length(max=500)])
    notes = TextAreaField(_l("Notitie van de balie (alleen voor de gemeente)"), validators=[Length(max=2000)])

