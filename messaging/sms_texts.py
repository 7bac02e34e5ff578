"""Every SMS text of Wegwijs, in one place: purpose -> language -> template.

Rules for every text (a test checks the last two for every entry, with LONGEST_VALUES filled in):
- Plain Dutch at B1: short sentences, "u", say what to do. Dutch first, English second.
- One GSM-7 segment: at most 160 characters, no ë, ï, curly quotes or other characters outside
  GSM-7 (€ is allowed but counts as two). Values are made GSM-7-safe when rendered, but the
  template itself must already be.
- Placeholders use str.format names: "{date}". Every name used must be in LONGEST_VALUES, with
  the longest value that can realistically occur.
- Do not put more personal data in an SMS than needed (no BSN, no reason of the visit).

Other contexts add their texts here (one entry per purpose), for example:

    TEXTS["appointment_reminder"] = {
        "nl": "Herinnering: morgen {date} om {time} heeft u een afspraak bij {organisation}. ...",
        "en": "Reminder: ...",
    }
"""
from __future__ import annotations

from string import Formatter

from flask_babel import lazy_gettext as _l

from messaging.gsm7 import to_gsm7

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

TEXTS: dict[str, dict[str, str]] = {
    # A test message an administrator (or the demo data) sends to check that SMS works.
    "test": {
        "nl": "Wegwijs: dit is een testbericht van {organisation}. U hoeft niets te doen.",
        "en": "Wegwijs: this is a test message from {organisation}. You do not need to do anything.",
    },
    # Issue 10: the counter tells the citizen that the agency's second line answered.
    "escalation_answered": {
        "nl": "Wegwijs: {agency} heeft uw vraag behandeld. Wilt u weten wat dit voor u betekent? Bel dan {municipality}.",
        "en": "Wegwijs: {agency} has dealt with your question. Want to know what it means for you? Call {municipality}.",
    },
    # Replies to inbound keywords (sent back as TwiML, not through the outbox).
    "opt_out_reply": {
        "nl": "U krijgt geen sms meer van Wegwijs. Wilt u later toch weer sms krijgen? Stuur dan START.",
        "en": "You will not get any more text messages from Wegwijs. To get them again, send START.",
    },
    "opt_in_reply": {
        "nl": "U krijgt weer sms van Wegwijs. Wilt u geen sms meer? Stuur dan STOP.",
        "en": "You will get text messages from Wegwijs again. To stop them, send STOP.",
    },
    "unknown_reply": {
        "nl": "Wegwijs begrijpt uw bericht niet. Heeft u een vraag? Bel dan uw gemeente. Geen sms meer? Stuur STOP.",
        "en": "Wegwijs does not understand your message. Do you have a question? Call your municipality. "
              "No more texts? Send STOP.",
    },
}

# Field name -> the longest value that can realistically occur. Used by the test that renders
# every template; add a line when a template uses a new field.
LONGEST_VALUES: dict[str, str] = {
    "organisation": "Gemeente Hardinxveld-Giessendam",
    "municipality": "Gemeente Hardinxveld-Giessendam",
    "agency": "Belastingdienst",
    "date": "woensdag 30 september",
    "day": "woensdag",
    "time": "14:30",
    "start_time": "14:30",
    "end_time": "16:30",
    "address": "Burgemeester Nieuwenhuijsenstraat 112A",
    "place": "Stadskantoor, 2e verdieping",
    "city": "Hardinxveld-Giessendam",
    "phone": "0184 123 456",
    "course": "Digisterker: Werken met de e-overheid",
    "name": "Anne-Marie",
    "code": "AB12CD",
    "count": "12",
}


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def template_for(purpose: str, language: str) -> tuple[str, str]:
    """(template, language actually used): falls back to Dutch when a translation is missing."""
    try:
        texts = TEXTS[purpose]
    except KeyError:
        raise ValueError(f"no SMS text for purpose {purpose!r}; add it to messaging/sms_texts.py") from None
    if language in texts:
        return texts[language], language
    return texts[DEFAULT_LANGUAGE], DEFAULT_LANGUAGE


def render(purpose: str, language: str, values: dict | None = None) -> str:
    """The text for this purpose and language with the values filled in (made GSM-7-safe)."""
    template, _ = template_for(purpose, language)
    safe = {key: to_gsm7(str(value)) for key, value in (values or {}).items()}
    missing = fields_of(template) - safe.keys()
    if missing:
        raise ValueError(f"SMS text {purpose!r} needs values for {sorted(missing)}")
    return template.format(**safe)


# --- referrals: appointments at the municipality ------------------------------------------------
# {address} is the location's street and number, {city} its town, {phone} the municipality's number.
TEXTS.update({
    "appointment_confirmation": {
        "nl": "Afspraak: {date} om {time}, {address}, {city}. Neem ID en telefoon mee. Kunt u niet? Stuur AFZEGGEN.",
        "en": "Appointment: {date} at {time}, {address}, {city}. Bring ID and phone. Cannot come? Send AFZEGGEN.",
    },
    "appointment_reminder": {
        "nl": "Morgen om {time} heeft u een afspraak: {address}, {city}. Neem ID en telefoon mee. Kunt u niet? "
              "Stuur AFZEGGEN.",
        "en": "Tomorrow at {time} you have an appointment: {address}, {city}. Bring ID and phone. Cannot come? "
              "Send AFZEGGEN.",
    },
    "appointment_moved": {
        "nl": "Uw afspraak is verzet. Nieuw: {date} om {time}, {address}, {city}. Kunt u niet? Stuur AFZEGGEN.",
        "en": "Your appointment has moved. New: {date} at {time}, {address}, {city}. Cannot come? Send AFZEGGEN.",
    },
    "appointment_cancelled": {
        "nl": "Uw afspraak van {date} om {time} gaat niet door. Wilt u een nieuwe afspraak? Bel dan {phone}.",
        "en": "Your appointment of {date} at {time} is cancelled. Want a new appointment? Call {phone}.",
    },
    # Replies to AFZEGGEN (sent back as the inbound reply, not through the outbox).
    "afzeggen_reply": {
        "nl": "Uw afspraak van {date} om {time} is afgezegd. Wij laten de gemeente dit weten. Nieuwe afspraak? "
              "Bel {phone}.",
        "en": "Your appointment of {date} at {time} is cancelled. We will tell the municipality. "
              "New appointment? Call {phone}.",
    },
    "afzeggen_none": {
        "nl": "Wij vinden geen afspraak bij dit nummer. Heeft u een vraag? Bel dan uw gemeente.",
        "en": "We cannot find an appointment for this number. Do you have a question? Call your municipality.",
    },
})

# --- the counter's no-show and Digisterker courses ----------------------------------------------------
# {address}/{city}/{phone}: the location of the appointment or course and the municipality's number.
TEXTS.update({
    "no_show": {
        "nl": "U was er niet bij uw afspraak van {date} om {time}. Wilt u een nieuwe afspraak? Bel dan {phone}.",
        "en": "You missed your appointment of {date} at {time}. Want a new appointment? Call {phone}.",
    },
    "course_enrolled": {
        "nl": "U doet mee aan de cursus Digisterker. Eerste les: {date} om {time}, {address}, {city}.",
        "en": "You are in the Digisterker course. First lesson: {date} at {time}, {address}, {city}.",
    },
    "course_waiting": {
        "nl": "De cursus Digisterker is vol. U staat op de wachtlijst. Komt er een plek vrij? Dan krijgt u bericht.",
        "en": "The Digisterker course is full. You are on the waiting list. We will tell you when a place is free.",
    },
    "course_promoted": {
        "nl": "Er is een plek vrij. U doet mee aan de cursus Digisterker! Eerste les: {date} om {time}, {address}.",
        "en": "A place is free. You are in the Digisterker course! First lesson: {date} at {time}, {address}.",
    },
    "course_reminder": {
        "nl": "Morgen om {time} heeft u les Digisterker: {address}, {city}. Kunt u niet? Bel {phone}.",
        "en": "Tomorrow at {time} you have a Digisterker lesson: {address}, {city}. Cannot come? Call {phone}.",
    },
})

# What staff see for each purpose (the outbox's "Soort" column and filter). Every purpose in TEXTS
# needs one here (a test checks).
PURPOSE_LABELS: dict[str, object] = {
    "test": _l("Testbericht"),
    "opt_out_reply": _l("Antwoord op STOP"),
    "opt_in_reply": _l("Antwoord op START"),
    "unknown_reply": _l("Antwoord op een onbekend bericht"),
    "appointment_confirmation": _l("Bevestiging van de afspraak"),
    "appointment_reminder": _l("Herinnering aan de afspraak"),
    "appointment_moved": _l("Afspraak verzet"),
    "appointment_cancelled": _l("Afspraak gaat niet door"),
    "afzeggen_reply": _l("Antwoord op AFZEGGEN"),
    "afzeggen_none": _l("Antwoord op AFZEGGEN: geen afspraak gevonden"),
    "no_show": _l("Niet gekomen"),
    "course_enrolled": _l("Aangemeld voor de cursus"),
    "course_waiting": _l("Op de wachtlijst van de cursus"),
    "course_promoted": _l("Plek vrij in de cursus"),
    "course_reminder": _l("Herinnering aan de cursusles"),
    "escalation_answered": _l("Antwoord van de tweede lijn"),
}


LANGUAGE_LABELS: dict[str, object] = {"nl": _l("Nederlands"), "en": _l("Engels")}


def purpose_label(purpose: str):
    return PURPOSE_LABELS.get(purpose, purpose)
