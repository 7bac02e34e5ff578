"""Forms of the Digisterker courses : shape only; courses.services decides."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import Length, Optional

from accounts.forms import DateWithin, Form
from referrals.forms import MultiCheckboxField


class CourseForm(Form):
    title = StringField(_l("Naam van de cursus"), default="Digisterker: Werken met de e-overheid",
                        validators=[Length(max=120)])
    location_id = SelectField(_l("Locatie"), coerce=int, validate_choice=False)
    capacity = IntegerField(_l("Aantal plaatsen"), default=8, validators=[Optional()])
    first_day = DateField(_l("Datum van de eerste bijeenkomst"), validators=[Optional(), DateWithin(1, 5)])  # the service says "al voorbij"
    starts = TimeField(_l("Begintijd"), validators=[Optional()])
    ends = TimeField(_l("Eindtijd"), validators=[Optional()])
    sessions = IntegerField(_l("Aantal bijeenkomsten (een keer per week)"), default=4, validators=[Optional()])
    intake_note = TextAreaField(_l("Notitie voor de intake"), validators=[Length(max=2000)])


class EnrolForm(Form):
    course_id = RadioField(_l("Kies een cursus"), validate_choice=False)


class AttendanceForm(Form):
    present = MultiCheckboxField(_l("Aanwezig"), coerce=int, validate_choice=False)


class CourseFilterForm(Form):
    class Meta:
        csrf = False

    when = SelectField(_l("Cursussen"), choices=[("komend", _l("Lopend en gepland")), ("voorbij", _l("Afgelopen"))],
                       validators=[Optional()])
