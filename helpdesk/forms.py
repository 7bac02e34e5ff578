"""The contact log form: shape only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length

from accounts.forms import Form
from referrals.forms import MultiCheckboxField
from referrals.vocabulary import CATEGORIES, REASONS


class ContactForm(Form):
    categories = MultiCheckboxField(_l("Waar ging de vraag over?"), choices=list(CATEGORIES.items()))
    solved = RadioField(_l("Is de vraag telefonisch opgelost?"),
                        choices=[("yes", _l("Ja, opgelost")), ("no", _l("Nee, doorverwijzen naar de gemeente"))],
                        validate_choice=False)  # the service checks, so every message shows at once
    reason = RadioField(_l("Waarom niet telefonisch op te lossen?"), choices=list(REASONS.items()),
                        validate_choice=False)
    notes = TextAreaField(_l("Notitie (zonder BSN)"), validators=[Length(max=2000)])
