"""Forms of the agencies' side (the contact log, the escalation queue): shape only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from accounts.forms import DateWithin, Form
from helpdesk.models import RESULTS, URGENCIES
from referrals.forms import MultiCheckboxField
from referrals.vocabulary import REASONS


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ContactForm(Form):
    # The choices are the agent's agency's (referrals.forms.with_categories); the service checks them.
    categories = MultiCheckboxField(_l("Waar ging de vraag over?"), validate_choice=False)
    solved = RadioField(_l("Is de vraag telefonisch opgelost?"),
                        choices=[("yes", _l("Ja, opgelost")), ("no", _l("Nee, doorverwijzen naar de gemeente"))],
                        validate_choice=False)  # the service checks, so every message shows at once
    reason = RadioField(_l("Waarom niet telefonisch op te lossen?"), choices=list(REASONS.items()),
                        validate_choice=False)
    notes = TextAreaField(_l("Notitie (zonder BSN)"), validators=[Length(max=2000)])


# --- the second-line escalation queue --------------------------------------------------------

class EscalateForm(Form):
    agency_id = SelectField(_l("Naar de tweede lijn van"), coerce=int, validate_choice=False)
    need = TextAreaField(_l("Wat moet de tweede lijn doen?"), validators=[Length(max=1000)])
    categories = MultiCheckboxField(_l("Waar gaat de vraag over?"), validate_choice=False)
    urgency = RadioField(_l("Urgentie"), choices=list(URGENCIES.items()), validate_choice=False)
    consent = BooleanField(_l("De inwoner geeft toestemming om de vraag en de gegevens te delen met de tweede lijn"))


class QueueFilterForm(Form):
    class Meta:
        csrf = False

    tab = HiddenField()
    q = StringField(_l("Zoeken (naam, vraag of nummer)"), validators=[Optional(), Length(max=100)])
    urgency = SelectField(_l("Urgentie"), choices=[("", _l("Alle"))] + list(URGENCIES.items()),
                          validators=[Optional()], validate_choice=False)
    category = SelectField(_l("Onderwerp"), validators=[Optional()], validate_choice=False)
    municipality_id = SelectField(_l("Gemeente"), coerce=_int_or_none, validators=[Optional()],
                                  validate_choice=False)


class NoteForm(Form):
    note = TextAreaField(_l("Interne notitie (alleen voor de tweede lijn van uw organisatie)"),
                         validators=[Length(max=2000)])


class AnswerForm(Form):
    answer_text = TextAreaField(_l("Antwoord aan de gemeente"), validators=[Length(max=1000)])


class AskForm(Form):
    who = RadioField(_l("Vraag aan"), choices=[("municipality", _l("De gemeente")),
                                                ("citizen", _l("De inwoner (de gemeente vraagt het)"))],
                     validate_choice=False)
    question = TextAreaField(_l("Wat wilt u weten?"), validators=[Length(max=1000)])


class UrgencyForm(Form):
    urgency = RadioField(_l("Urgentie"), choices=list(URGENCIES.items()), validate_choice=False)


class CloseForm(Form):
    result = RadioField(_l("Resultaat"), choices=list(RESULTS.items()), validate_choice=False)
    answer = StringField(_l("Antwoord in een regel (de gemeente ziet dit)"), validators=[Length(max=200)])


class ReassignForm(Form):
    user_id = SelectField(_l("Toewijzen aan"), coerce=_int_or_none, validate_choice=False)


class ReplyForm(Form):
    reply = TextAreaField(_l("Antwoord aan de tweede lijn"), validators=[Length(max=1000)])


class FollowUpForm(Form):
    how = RadioField(_l("Krijgt de inwoner bericht?"),
                     choices=[("message", _l("Ja: een bericht via het kanaal van de inwoner (sms, brief of "
                                              "telefoontje)")),
                              ("none", _l("Nee, niet nodig"))], validate_choice=False)


class SlaForm(Form):
    first_response_hours = IntegerField(_l("Eerste reactie binnen (werkuren)"), validators=[Optional()])
    update_hours = IntegerField(_l("Tussentijdse update elke (werkuren)"), validators=[Optional()])
    resolution_hours = IntegerField(_l("Oplossing binnen (werkuren)"), validators=[Optional()])
    idle_claim_hours = IntegerField(_l("Opgepakt maar niets gedaan: vrijgeven na (werkuren)"),
                                    validators=[Optional()])


class ClosureForm(Form):
    day = DateField(_l("Datum"), validators=[Optional(), DateWithin(0, 2)])
    reason = StringField(_l("Reden (optioneel)"), validators=[Length(max=120)])
