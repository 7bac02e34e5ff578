"""Every SMS text of Wegwijs, in one place: purpose -> language -> template.

Rules for every text (a test checks the last two for every entry, with LONGEST_VALUES filled in):
- Plain Dutch at B1: short sentences, "u", say what to do. Dutch first, English second.
- One GSM-7 segment: at most 160 characters (two, 306, for the texts in SEGMENT_BUDGET), no ë, ï, curly quotes or other characters outside
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
    "sender": "Gemeente Alphen a/d Rijn",  # accounts.models.SMS_NAME_MAX characters
    "maker": "De Sociale Verzekeringsbank",  # agency_with_article: AGENCY_MAX characters and "De "
    "date": "donderdag 30 september",  # Babel's longest weekday and month: 22 characters
    "day": "woensdag",
    "time": "14:30",
    "start_time": "14:30",
    "end_time": "16:30",
    "address": "Burgemeester Nieuwenhuijsenstraat 112A",
    "place": "Stadskantoor, 2e verdieping",
    # Room, street and city together, and what to bring: at most DIRECTIONS_MAX characters together
    # (referrals.services checks the location form), so the confirmation keeps its budget.
    "where": "Stadskantoor, 2e verdieping, Stationsplein 12A, Leidschendam",
    "bring": "uw paspoort of ID-kaart, telefoon, brief",
    # A course's intake note sent by SMS: at most COURSE_NOTE_SMS_MAX characters (a longer one is read out).
    "note": ("Neem uw telefoon of tablet mee, met de oplader. Weet u uw DigiD-wachtwoord niet meer? Geen probleem, "
             "dat regelen we samen. Heeft u een brief van de Belastingdienst? Neem die dan ook mee. De koffie staat "
             "klaar. We beginnen op tijd."),
    "city": "Hardinxveld-Giessendam",
    "phone": "0800 123 4567",
    "course": "Digisterker: Werken met de e-overheid",
    "name": "Anne-Marie",
    "code": "AB12CD",
    "count": "12",
}


COURSE_NOTE_SMS_MAX = len(LONGEST_VALUES["note"])


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
# Every text about an appointment or a course starts with {sender}: who writes (the municipality's
# short SMS name). {maker}: the agency that made the appointment, with its article in Dutch ("De
# Belastingdienst heeft die voor u gemaakt"; `agency_with_article`). {address} is the location's street and number, {city}
# its town, {phone} the location's number for questions.
# Budgets (SEGMENT_BUDGET): a confirmation, a moved appointment and a seat in a course are sent
# once and may take two segments; reminders and replies stay in one.
TEXTS.update({
    "appointment_confirmation": {
        "nl": "{sender}: {maker} heeft een afspraak voor u gemaakt. "
              "Op {date} om {time}. Waar: {where}. Neem mee: {bring}. "
              "Niet komen? Stuur AFZEGGEN of bel {phone}.",
        "en": "{sender}: {maker} made an appointment for you. "
              "On {date} at {time}. Where: {where}. Bring: {bring}. "
              "Can't come? Reply AFZEGGEN or call {phone}.",
    },
    "appointment_reminder": {
        "nl": "{sender}: uw afspraak is morgen om {time}. Waar: {where}. Niet komen? Bel {phone}.",
        "en": "{sender}: appointment tomorrow at {time}. Where: {where}. Can't come? Call {phone}.",
    },
    "appointment_moved": {
        "nl": "{sender}: uw afspraak is veranderd. De oude tijd geldt niet meer. "
              "Nieuwe tijd: {date} om {time}. Waar: {where}. Neem mee: {bring}. "
              "Niet komen? Stuur AFZEGGEN of bel {phone}.",
        "en": "{sender}: your appointment has changed. The old time no longer counts. "
              "New time: {date} at {time}. Where: {where}. Bring: {bring}. "
              "Can't come? Reply AFZEGGEN or call {phone}.",
    },
    # A copy for the citizen's helper (with the citizen's consent); {name}: the citizen's first name.
    "helper_confirmation": {
        "nl": "{sender}: {name} heeft een afspraak bij de gemeente. U bent de helper. "
              "Op {date} om {time}. Waar: {where}. Vragen? Bel {phone}.",
        "en": "{sender}: {name} has an appointment with the municipality. You are the helper. "
              "On {date} at {time}. Where: {where}. Questions? Call {phone}.",
    },
    "helper_reminder": {
        "nl": "{sender}: afspraak van {name}: morgen {time}, {where}. Vragen? Bel {phone}.",
        "en": "{sender}: {name}'s appointment: tomorrow {time}, {where}. Questions? Call {phone}.",
    },
    # STOP from a citizen with an appointment to come: the SMS stop, the appointment does not.
    "opt_out_appointment": {
        "nl": "{sender}: u krijgt geen sms meer. Uw afspraak op {date} om {time} gaat wel door. "
              "Niet komen? Bel {phone}.",
        "en": "{sender}: you will get no more texts. Your appointment on {date} at {time} still stands. "
              "Can't come? Call {phone}.",
    },
    "appointment_cancelled": {
        "nl": "{sender}: uw afspraak van {date} om {time} gaat niet door. Wilt u een nieuwe afspraak? "
              "Bel {phone}.",
        "en": "{sender}: your appointment on {date} at {time} is cancelled. Want a new appointment? "
              "Call {phone}.",
    },
    # Replies to AFZEGGEN (sent back as the inbound reply, not through the outbox).
    "afzeggen_reply": {
        "nl": "{sender}: uw afspraak van {date} om {time} is afgezegd. Wilt u een nieuwe afspraak? Bel {phone}.",
        "en": "{sender}: your appointment on {date} at {time} is cancelled. Want a new appointment? "
              "Call {phone}.",
    },
    "afzeggen_none": {
        "nl": "Wij vinden geen afspraak bij dit nummer. Heeft u een vraag? Bel dan uw gemeente.",
        "en": "We cannot find an appointment for this number. Do you have a question? Call your municipality.",
    },
    # A citizen with an appointment sends something we do not understand: one helpful answer.
    "afzeggen_unclear": {
        "nl": "{sender}: wij begrijpen uw bericht niet. Wilt u uw afspraak afzeggen? Stuur AFZEGGEN. "
              "Vragen? Bel {phone}.",
        "en": "{sender}: we do not understand your message. Want to cancel your appointment? Reply AFZEGGEN. "
              "Questions? Call {phone}.",
    },
})

# --- the counter's no-show and Digisterker courses ----------------------------------------------------
# {address}/{city}/{phone}: the location of the appointment or course and its number for questions.
# "Digisterker" is explained in the first text about it ("een cursus over DigiD en internet").
TEXTS.update({
    "no_show": {
        "nl": "{sender}: u had een afspraak op {date} om {time}. U was er niet. Wilt u een nieuwe afspraak? "
              "Bel {phone}.",
        "en": "{sender}: you missed your appointment on {date} at {time}. Want a new appointment? "
              "Call {phone}.",
    },
    "course_enrolled": {
        "nl": "{sender}: u doet mee aan Digisterker. Dat is een cursus over DigiD en internet. "
              "De eerste les is {date} om {time}. Waar: {address}, {city}. Kunt u niet komen? Bel {phone}.",
        "en": "{sender}: you have a place in Digisterker. That is a course about DigiD and the internet. "
              "The first lesson is on {date} at {time}. Where: {address}, {city}. Can't come? Call {phone}.",
    },
    "course_waiting": {
        "nl": "{sender}: de cursus Digisterker over DigiD en internet is vol. U staat op de wachtlijst. "
              "Is er plek? Dan hoort u het.",
        "en": "{sender}: the Digisterker course about DigiD and the internet is full. You are on the "
              "waiting list. We will tell you.",
    },
    "course_promoted": {
        "nl": "{sender}: er is een plek vrij. U doet mee aan Digisterker. Dat is een cursus over DigiD en internet. "
              "De eerste les is {date} om {time}. Waar: {address}, {city}. Kunt u niet komen? Bel {phone}.",
        "en": "{sender}: a place is free. You are in Digisterker. That is a course about DigiD and the internet. "
              "The first lesson is on {date} at {time}. Where: {address}, {city}. Can't come? Call {phone}.",
    },
    "course_reminder": {
        "nl": "{sender}: morgen om {time} heeft u les Digisterker op {address}. Kunt u niet? Bel {phone}.",
        "en": "{sender}: Digisterker lesson tomorrow at {time}, {address}. Can't come? Call {phone}.",
    },
    # The course's intake note (what to bring, what to know), when it fits two segments
    # (COURSE_NOTE_SMS_MAX); a longer note is read out by phone.
    "course_note": {
        "nl": "{sender}: over de cursus Digisterker: {note}",
        "en": "{sender}: about the Digisterker course: {note}",
    },
    "course_removed": {
        "nl": "{sender}: u doet niet meer mee aan de cursus Digisterker. Klopt dit niet? Bel {phone}.",
        "en": "{sender}: you are no longer in the Digisterker course. Is this not right? Call {phone}.",
    },
})

# Texts sent once that may take two segments (at most 306 GSM-7 characters); every other text one.
SEGMENT_BUDGET: dict[str, int] = {
    "appointment_confirmation": 2, "appointment_moved": 2, "course_enrolled": 2, "course_promoted": 2,
    "helper_confirmation": 2, "course_note": 2,
}

# Texts that ask the citizen to act (come, cancel, call) and so must give a number to call.
NEEDS_PHONE = {
    "appointment_confirmation", "appointment_reminder", "appointment_moved", "appointment_cancelled",
    "afzeggen_reply", "afzeggen_unclear", "no_show", "course_enrolled", "course_promoted", "course_reminder",
    "course_removed", "helper_confirmation", "helper_reminder", "opt_out_appointment",
}

# Agencies whose name takes "het" (the others with an article take "de"); names in NO_ARTICLE take none.
NEUTER_AGENCIES = {"UWV", "CAK", "CJIB", "LBIO", "Juridisch Loket", "Zorginstituut Nederland"}
NO_ARTICLE = {"Logius", "DUO", "Toeslagen", "RDW", "Nibud"}
AGENCY_MAX = 24


def agency_with_article(name: str, language: str) -> str:
    """The agency as the subject that starts a sentence: "De Belastingdienst", "Het UWV", "Logius"
    (Dutch); the bare name in English. Cut to AGENCY_MAX characters so every text keeps its budget."""
    name = " ".join((name or "").split())[:AGENCY_MAX].strip()
    if language != "nl" or name in NO_ARTICLE or name.lower().startswith(("de ", "het ")):
        return name[:1].upper() + name[1:]
    return f"{'Het' if name in NEUTER_AGENCIES else 'De'} {name}"


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
    "course_removed": _l("Uitgeschreven uit de cursus"),
    "afzeggen_unclear": _l("Antwoord op een onduidelijk bericht over de afspraak"),
    "escalation_answered": _l("Antwoord van de tweede lijn"),
    "helper_confirmation": _l("Kopie van de bevestiging voor de helper"),
    "helper_reminder": _l("Kopie van de herinnering voor de helper"),
    "opt_out_appointment": _l("Antwoord op STOP: de afspraak gaat door"),
    "course_note": _l("Notitie van de cursus"),
}


LANGUAGE_LABELS: dict[str, object] = {"nl": _l("Nederlands"), "en": _l("Engels")}


def purpose_label(purpose: str):
    return PURPOSE_LABELS.get(purpose, purpose)
