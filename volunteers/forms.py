"""Forms of the volunteers context: shape only; volunteers.services decides."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Length, Optional

from accounts.forms import DateWithin, Form
from referrals.forms import MultiCheckboxField
from volunteers.models import DAYPARTS, END_REASONS, SKILLS, SPOKEN, STATUSES, VOG_OUTCOMES, WEEKDAYS

SMS_LANGUAGES = [("nl", _l("Nederlands")), ("en", _l("Engels"))]


class VolunteerForm(Form):
    name = StringField(_l("Naam"), validators=[Length(max=200)], render_kw={"autocomplete": "off"})
    phone = StringField(_l("Mobiel nummer"), validators=[Length(max=30)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    postcode = StringField(_l("Postcode"), validators=[Length(max=10)], render_kw={"autocomplete": "off"})
    language = RadioField(_l("Taal van de sms"), choices=SMS_LANGUAGES, default="nl", validate_choice=False)
    languages = MultiCheckboxField(_l("Talen die de vrijwilliger spreekt"), choices=list(SPOKEN.items()),
                                   validate_choice=False)
    skills = MultiCheckboxField(_l("Kan helpen met"), choices=list(SKILLS.items()), validate_choice=False)
    weekdays = MultiCheckboxField(_l("Beschikbaar op"), choices=list(WEEKDAYS.items()), validate_choice=False)
    dayparts = MultiCheckboxField(_l("Dagdelen"), choices=list(DAYPARTS.items()), validate_choice=False)
    max_buddies = StringField(_l("Hoeveel maatjes tegelijk?"), default="1", validators=[Length(max=3)],
                              render_kw={"inputmode": "numeric", "autocomplete": "off"})
    notes = TextAreaField(_l("Notitie (alleen voor de coördinator)"), validators=[Length(max=2000)])


class VolunteerFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[("", _l("Alle statussen"))] + list(STATUSES.items()),
                         validators=[Optional()], validate_choice=False)


class VogForm(Form):
    issued_on = DateField(_l("Datum op de VOG"), validators=[Optional(), DateWithin(10, 1)])
    outcome = RadioField(_l("Uitkomst"), choices=list(VOG_OUTCOMES.items()), validate_choice=False)


class StatusForm(Form):
    status = SelectField(_l("Nieuwe status"), choices=list(STATUSES.items()), validate_choice=False)


class SimulateForm(Form):
    body = StringField(_l("Sms van de vrijwilliger"), validators=[Length(max=400)],
                       render_kw={"autocomplete": "off"})


class SearchForm(Form):
    planned_start = DateField(_l("Geplande start"), validators=[Optional(), DateWithin(1, 2)])
    language = SelectField(_l("Taal die het maatje spreekt"), choices=list(SPOKEN.items()), validate_choice=False)
    auto_next = BooleanField(_l("Zegt iemand nee of komt er geen antwoord? Vraag dan vanzelf de volgende."))


class OfferForm(Form):
    volunteer_id = HiddenField()
    relax = HiddenField()


class PairForm(Form):
    first_day = DateField(_l("Datum van het eerste bezoek"), validators=[Optional(), DateWithin(1, 2)])
    first_time = TimeField(_l("Tijd van het eerste bezoek"), validators=[Optional()])


class EndForm(Form):
    reason = RadioField(_l("Reden"), choices=list(END_REASONS.items()), validate_choice=False)
