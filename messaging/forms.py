"""Forms of the messaging pages (shape only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from accounts.forms import Form
from messaging.models import SmsStatus

STATUS_LABELS = {
    SmsStatus.QUEUED: _l("In de wachtrij"),
    SmsStatus.SENDING: _l("Wordt verzonden"),
    SmsStatus.UNKNOWN: _l("Onzeker, wordt nagevraagd"),
    SmsStatus.SENT: _l("Verzonden"),
    SmsStatus.DELIVERED: _l("Afgeleverd"),
    SmsStatus.UNDELIVERED: _l("Niet afgeleverd"),
    SmsStatus.FAILED: _l("Mislukt"),
    SmsStatus.WITHDRAWN: _l("Ingetrokken"),
}

INBOUND_OUTCOMES = {
    "opt_out": _l("Afgemeld (STOP)"),
    "opt_in": _l("Weer aangemeld (START)"),
    "handled": _l("Verwerkt"),
    "unhandled": _l("Niet begrepen"),
    "error": _l("Fout bij verwerken"),
}


class OutboxFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    purpose = SelectField(_l("Soort bericht"), validators=[Optional()])
    telefoon = StringField(_l("Telefoonnummer"), validators=[Optional(), Length(max=30)])
