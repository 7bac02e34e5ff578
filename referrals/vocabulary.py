"""The fixed lists the intake and the counter share: reasons a call could not be solved by phone,
channels, languages, support needs and referral statuses. (The question categories are rows that the
admin manages: referrals.categories.)

They live in referrals (the lower layer) so that both helpdesk (the agency side) and the counter
use the same codes. Codes are stored; labels are shown (translatable).
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

# Standard reasons why a call could not be solved by phone (counted as feedback to the agencies).
REASONS: dict[str, object] = {
    "no_device": _l("Geen computer, tablet of smartphone"),
    "no_letter": _l("DigiD-brief niet bij de hand"),
    "look_along": _l("Heeft iemand nodig die meekijkt"),
    "language": _l("Taal"),
    "hearing": _l("Gehoor"),
    "complex": _l("Ingewikkelde situatie"),
    "other": _l("Anders"),
}


class Channel(enum.StrEnum):
    SMS = "sms"
    PHONE = "phone"
    LETTER = "letter"


CHANNELS: dict[str, object] = {
    Channel.SMS: _l("Sms"),
    Channel.PHONE: _l("Telefoontje"),
    Channel.LETTER: _l("Brief"),
}

LANGUAGES: dict[str, object] = {"nl": _l("Nederlands"), "en": _l("Engels")}

# Support needs: attribute name on Citizen -> label (the counter's day list shows these).
SUPPORT_NEEDS: dict[str, object] = {
    "reads_poorly": _l("Leest slecht"),
    "hard_of_hearing": _l("Slechthorend"),
    "needs_interpreter": _l("Heeft een tolk nodig"),
    "brings_helper": _l("Neemt helper mee"),
}


class Status(enum.StrEnum):
    REFERRED = "referred"
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    OUTCOME = "outcome_recorded"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATUS_LABELS: dict[str, object] = {
    Status.REFERRED: _l("Verwezen"),
    Status.BOOKED: _l("Afspraak gemaakt"),
    Status.ATTENDED: _l("Geweest"),
    Status.NO_SHOW: _l("Niet gekomen"),
    Status.OUTCOME: _l("Uitkomst vastgelegd"),
    Status.CLOSED: _l("Afgesloten"),
    Status.CANCELLED: _l("Geannuleerd"),
}

# Which status may follow which. change_status() refuses anything else.
TRANSITIONS: dict[str, set[str]] = {
    Status.REFERRED: {Status.BOOKED, Status.CANCELLED, Status.CLOSED},
    Status.BOOKED: {Status.BOOKED, Status.REFERRED, Status.ATTENDED, Status.NO_SHOW, Status.CANCELLED},
    Status.ATTENDED: {Status.OUTCOME, Status.CLOSED},
    Status.NO_SHOW: {Status.BOOKED, Status.CLOSED, Status.CANCELLED},
    Status.OUTCOME: {Status.CLOSED},
    Status.CLOSED: set(),
    Status.CANCELLED: {Status.BOOKED},
}

OPEN_STATUSES = {Status.REFERRED, Status.BOOKED, Status.ATTENDED, Status.NO_SHOW}


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    MOVED = "moved"  # replaced by a new appointment (rescheduled)
    ATTENDED = "attended"
    NO_SHOW = "no_show"


# Who cancelled an appointment.
CANCELLED_BY = {"agent": _l("Medewerker van de organisatie"), "counter": _l("Gemeente"),
                "citizen": _l("Inwoner (AFZEGGEN per sms)"), "closure": _l("Gemeente (sluiting)")}

WEEKDAYS = [_l("maandag"), _l("dinsdag"), _l("woensdag"), _l("donderdag"), _l("vrijdag"),
            _l("zaterdag"), _l("zondag")]

TASK_KINDS: dict[str, object] = {"call": _l("Bellen"), "letter": _l("Brief sturen")}

TASK_REASONS: dict[str, object] = {
    "appointment_confirmation": _l("Afspraak bevestigen"),
    "appointment_moved": _l("Afspraak verzet"),
    "appointment_cancelled": _l("Afspraak afgezegd"),
    "appointment_reminder": _l("Herinnering aan de afspraak"),
    "cancelled_by_citizen": _l("Afgezegd door de inwoner"),
    "no_show": _l("Niet gekomen"),
    "sms_failed": _l("Sms niet aangekomen"),
    "landline": _l("Geen sms mogelijk"),
    "course": _l("Cursus Digisterker"),
    "escalation": _l("Tweede lijn"),  # the second line asks or answers
    "other": _l("Anders"),
}

# The agency's one line (referrals.services.agency_line) is derived from three codes on the
# referral, written through referrals.services.record_result: the result of the visit, the lasting
# solution chosen, and the step where that solution stands now (written by the context that takes
# it further). Without a step, the solution's own words are shown.
RESULT_LINES: dict[str, object] = {
    "solved": _l("Geholpen"),
    "partly": _l("Deels geholpen"),
    "not": _l("Niet opgelost"),
}

SOLUTION_LINES: dict[str, object] = {
    "none": "",
    "course": _l("cursus Digisterker"),
    "buddy": _l("maatje (vrijwilliger) wordt gezocht"),
    "other": _l("andere hulp in de buurt"),
    "escalation": _l("doorgezet naar de tweede lijn"),
}

# Where a lasting solution stands (Referral.step_code): each context above registers its own steps
# (register_steps), so the shared record names no course, buddy or escalation itself.
STEP_LINES: dict[str, object] = {}


def register_steps(labels: dict[str, object]) -> None:
    """A context names the steps it writes with referrals.services.record_result (code -> label)."""
    STEP_LINES.update(labels)


def in_vocabulary_order(codes, vocabulary: dict) -> list[str]:
    """Stored codes in the order their vocabulary lists them (an unknown code last): how every page
    shows a row table of codes (the counter's actions)."""
    order = {code: i for i, code in enumerate(vocabulary)}
    return sorted(codes, key=lambda c: order.get(c, len(order)))
