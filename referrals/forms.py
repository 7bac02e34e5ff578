"""Forms check the shape of input only; services decide."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from accounts.forms import DateWithin, Form
from referrals.categories import NAME_MAX, OTHER_FIELD_PREFIX, other_field
from referrals.models import OTHER_TEXT_MAX
from referrals.vocabulary import CHANNELS, LANGUAGES, WEEKDAYS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def with_categories(form_class, groups, **kwargs):
    """An instance of `form_class` (which has a `categories` field) offering the categories of
    `groups` (referrals.categories.offered_groups), with a text field for each "Anders"."""
    others = {other_field(c.code): StringField(_("%(name)s, namelijk", name=c.label),
                                               validators=[Length(max=OTHER_TEXT_MAX)])
              for group in groups for c in group.categories if c.is_other}
    form = type(form_class.__name__, (form_class,), others)(**kwargs)
    form.categories.choices = [(c.code, c.label) for group in groups for c in group.categories]
    return form


def category_texts(form) -> dict[str, str]:
    """The texts typed next to an "Anders", by the category's code."""
    return {name.removeprefix(OTHER_FIELD_PREFIX): f.data or "" for name, f in form._fields.items()
            if name.startswith(OTHER_FIELD_PREFIX)}


class CategoryForm(Form):
    """The admin adds or renames a question category."""

    agency_id = SelectField(_l("Voor welke organisatie?"), coerce=int, validate_choice=False)
    name_nl = StringField(_l("Naam (Nederlands)"), validators=[Length(max=NAME_MAX)])
    name_en = StringField(_l("Naam (Engels)"), validators=[Length(max=NAME_MAX)])
    is_other = BooleanField(_l("Dit is \u201cAnders\u201d: de medewerker typt er een korte omschrijving bij"))


class ReferralForm(Form):
    name = StringField(_l("Naam van de inwoner"), validators=[Length(max=120)])
    phone = StringField(_l("Telefoonnummer"), validators=[Length(max=30)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=10)])
    house_number = StringField(_l("Huisnummer"), validators=[Length(max=12)])
    channel = RadioField(_l("Hoe krijgt de inwoner de bevestiging?"),
                         choices=[(k.value, v) for k, v in CHANNELS.items()], default="sms")
    street = StringField(_l("Straat (alleen voor een brief)"), validators=[Length(max=120)])
    city = StringField(_l("Woonplaats (alleen voor een brief)"), validators=[Length(max=80)])
    language = RadioField(_l("Taal van de berichten"), choices=list(LANGUAGES.items()), default="nl")
    reads_poorly = BooleanField(_l("Leest slecht"))
    hard_of_hearing = BooleanField(_l("Slechthorend"))
    needs_interpreter = BooleanField(_l("Heeft een tolk nodig"))
    brings_helper = BooleanField(_l("Neemt een helper mee"))
    helper_name = StringField(_l("Naam van helper of vertegenwoordiger"), validators=[Length(max=120)])
    helper_relation = StringField(_l("Relatie (bijvoorbeeld dochter, buurman)"), validators=[Length(max=60)])
    helper_phone = StringField(_l("Telefoonnummer van de helper"), validators=[Length(max=30)])
    helper_gets_copy = BooleanField(_l("De inwoner wil dat de helper een kopie krijgt van de bevestiging en de "
                                       "herinnering (sms)"))
    municipality_id = SelectField(_l("Gemeente"), coerce=int, validate_choice=False)
    notes = TextAreaField(_l("Notitie voor de balie"), validators=[Length(max=2000)])
    consent = BooleanField(_l("De inwoner geeft toestemming om deze gegevens te delen met de gemeente"))


class BookForm(Form):
    slot = RadioField(_l("Kies een tijd"), coerce=int, validate_choice=False,
                      validators=[InputRequired(_l("Kies een tijd."))])
    # The agent was warned that the citizen's letter cannot arrive in time and books anyway.
    letter_late_ok = BooleanField(_l("Toch deze tijd boeken"))


class SmsNameForm(Form):
    """The municipality's name at the start of every SMS and call to citizens (the coordinator)."""

    sms_name = StringField(_l("Naam van de gemeente in sms-berichten"), validators=[Length(max=60)])


class LocationForm(Form):
    name = StringField(_l("Naam van de locatie"), validators=[Length(max=120)])
    street = StringField(_l("Straat en huisnummer"), validators=[Length(max=120)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=10)])
    city = StringField(_l("Plaats"), validators=[Length(max=80)])
    phone = StringField(_l("Telefoonnummer voor inwoners"), validators=[Length(max=30)])
    # The service checks the ranges, so every message shows at once.
    slot_minutes = IntegerField(_l("Duur van een afspraak (minuten)"), default=30, validators=[Optional()])
    counters = IntegerField(_l("Aantal balies tegelijk"), default=1, validators=[Optional()])
    room = StringField(_l("Gebouw of ruimte (bijvoorbeeld Stadskantoor, 2e verdieping)"), validators=[Length(max=60)])
    what_to_bring = StringField(_l("Wat neemt de inwoner mee?"), validators=[Length(max=300)])
    what_to_bring_en = StringField(_l("Wat neemt de inwoner mee? In het Engels"), validators=[Length(max=300)])
    active = BooleanField(_l("Open voor afspraken"), default=True)


def _hours_form():
    fields = {}
    for i, day in enumerate(WEEKDAYS):
        fields[f"day{i}_opens"] = TimeField(_l("Open %(day)s vanaf", day=day), validators=[Optional()])
        fields[f"day{i}_closes"] = TimeField(_l("Open %(day)s tot", day=day), validators=[Optional()])
        fields[f"day{i}_opens2"] = TimeField(_l("Na de pauze %(day)s vanaf", day=day), validators=[Optional()])
        fields[f"day{i}_closes2"] = TimeField(_l("Na de pauze %(day)s tot", day=day), validators=[Optional()])
    return type("OpeningHoursForm", (Form,), fields)


OpeningHoursForm = _hours_form()


class ClosureForm(Form):
    starts_on = DateField(_l("Gesloten vanaf"), validators=[InputRequired(_l("Vul de eerste dag in.")), DateWithin(1, 2)])
    ends_on = DateField(_l("Gesloten tot en met"), validators=[InputRequired(_l("Vul de laatste dag in.")), DateWithin(1, 2)])
    reason = StringField(_l("Reden (voor intern gebruik)"), validators=[Length(max=120)])


class ListFilterForm(Form):
    class Meta:
        csrf = False

    zoek = StringField(_l("Zoek op naam, telefoonnummer of postcode"), validators=[Length(max=60)])
    status = SelectField(_l("Status"), validate_choice=False, validators=[Optional()])
    # An agent sees their own referrals first; "alle=1" shows the whole organisation's.
    alle = HiddenField()


__all__ = ["BookForm", "CategoryForm", "ClosureForm", "HiddenField", "ListFilterForm", "LocationForm",
           "MultiCheckboxField", "OpeningHoursForm", "ReferralForm"]


def referral_input(form):
    """The service's input from a submitted ReferralForm."""
    from referrals.services import ReferralInput
    return ReferralInput(
        name=form.name.data or "", phone=form.phone.data or "", postcode=form.postcode.data or "",
        house_number=form.house_number.data or "", street=form.street.data or "", city=form.city.data or "",
        channel=form.channel.data or "", language=form.language.data or "nl",
        reads_poorly=form.reads_poorly.data, hard_of_hearing=form.hard_of_hearing.data,
        needs_interpreter=form.needs_interpreter.data, brings_helper=form.brings_helper.data,
        helper_name=form.helper_name.data or "", helper_relation=form.helper_relation.data or "",
        helper_phone=form.helper_phone.data or "", helper_gets_copy=form.helper_gets_copy.data,
        municipality_id=form.municipality_id.data or None,
        notes=form.notes.data or "", consent=form.consent.data)


class TaskFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Taken"), choices=[("open", _l("Open")), ("gedaan", _l("Gedaan"))],
                         validators=[Optional()])
