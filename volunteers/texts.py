"""The SMS texts of the buddy journey, registered with messaging (messaging/sms_texts.py holds the
rules: plain Dutch, one GSM-7 segment with LONGEST_VALUES, Dutch and English). Imported by
volunteers.services, so they exist wherever the volunteers context is loaded."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from messaging.sms_texts import LONGEST_VALUES, PURPOSE_LABELS, TEXTS

# {code}: the short code of an offer or pairing (3 digits), {confirm}: the 4-digit phone check.
TEXTS.update({
    "vol_confirm": {
        "nl": "Wegwijs: {municipality} meldt u aan als vrijwilliger (maatje). Klopt dit? Stuur dan {confirm} "
              "terug.",
        "en": "Wegwijs: {municipality} registers you as a volunteer buddy. Is that right? Then reply {confirm}.",
    },
    "vol_confirmed": {
        "nl": "Dank u, uw nummer is bevestigd. Zoekt iemand een maatje? Dan krijgt u een sms.",
        "en": "Thank you, your number is confirmed. When someone needs a buddy, you get a text.",
    },
    "vol_offer": {
        "nl": "Wegwijs: iemand in {area} zoekt een maatje voor {help}. Wilt u? Stuur JA {code}. Liever niet? "
              "NEE {code}.",
        "en": "Wegwijs: someone in {area} needs a buddy for {help}. Will you? Send JA {code}. Rather not? "
              "NEE {code}.",
    },
    "vol_accepted": {
        "nl": "Dank u! De coordinator bevestigt het maatje {code} en stuurt u dan naam, telefoon en eerste "
              "bezoek.",
        "en": "Thank you! The coordinator confirms buddy {code} and then sends you the name, phone and first "
              "visit.",
    },
    "vol_declined": {
        "nl": "Dank u voor uw antwoord. Wij vragen iemand anders.",
        "en": "Thank you for your answer. We will ask someone else.",
    },
    "vol_too_late": {
        "nl": "Vraag {code} is al geregeld, dank u! U hoeft niets te doen.",
        "en": "Request {code} has already been arranged, thank you! You do not need to do anything.",
    },
    "vol_full": {
        "nl": "Dank u! U heeft al het grootste aantal maatjes dat u wilde. Wij vragen iemand anders.",
        "en": "Thank you! You already have as many buddies as you wanted. We will ask someone else.",
    },
    "vol_which": {
        "nl": "U heeft meer dan een vraag open: {codes}. Stuur JA of NEE met het nummer, bijvoorbeeld JA {code}.",
        "en": "You have more than one open request: {codes}. Send JA or NEE with the number, e.g. JA {code}.",
    },
    "vol_no_offer": {
        "nl": "Wij vinden geen open vraag bij dit nummer. Vragen? Bel de coordinator: {phone}.",
        "en": "We cannot find an open request for this number. Questions? Call the coordinator: {phone}.",
    },
    "vol_help_text": {
        "nl": "Wegwijs begrijpt dit niet. Stuur JA {code} of NEE {code}, na een bezoek KLAAR {code}, of HULP "
              "{code}. Vragen? Bel {phone}.",
        "en": "Wegwijs does not understand. Send JA {code} or NEE {code}, after a visit KLAAR {code}, or HULP "
              "{code}. Questions? Call {phone}.",
    },
    "vol_paired": {
        "nl": "Gekoppeld! Uw maatje is {name}, tel. {phone}. Eerste bezoek: {date} om {time}. Na elk bezoek: "
              "stuur KLAAR {code}.",
        "en": "Paired! Your buddy is {name}, phone {phone}. First visit: {date} at {time}. After each visit: "
              "send KLAAR {code}.",
    },
    "vol_visit_reminder": {
        "nl": "Wegwijs: bezoekt u {name} deze maand? Stuur na het bezoek KLAAR {code} (of KLAAR {code} 90 met "
              "minuten). Hulp nodig? HULP {code}.",
        "en": "Wegwijs: will you visit {name} this month? After the visit send KLAAR {code} (or KLAAR {code} 90 "
              "with minutes). Need help? HULP {code}.",
    },
    "vol_visit_noted": {
        "nl": "Dank u! Uw bezoek aan {name} is genoteerd.",
        "en": "Thank you! Your visit to {name} has been noted.",
    },
    "vol_help_noted": {
        "nl": "Dank u. De coordinator van {municipality} neemt snel contact met u op.",
        "en": "Thank you. The coordinator of {municipality} will contact you soon.",
    },
    "vol_ended": {
        "nl": "De koppeling met {name} is beeindigd. Dank u voor uw hulp als maatje! Vragen? Bel {phone}.",
        "en": "Your pairing with {name} has ended. Thank you for your help as a buddy! Questions? Call {phone}.",
    },
    "vol_vog_reminder": {
        "nl": "Wegwijs: uw VOG verloopt op {date}. Vraag op tijd een nieuwe aan en laat die zien aan de "
              "coordinator.",
        "en": "Wegwijs: your VOG certificate expires on {date}. Please request a new one in time and show it to "
              "the coordinator.",
    },
    # To the citizen (through referrals.outreach.tell_citizen: SMS, or a call or letter task).
    "buddy_paired_citizen": {
        "nl": "Goed nieuws: {name} wordt uw maatje. Eerste bezoek: {date} om {time}. {name} belt u vooraf. "
              "Vragen? Bel {phone}.",
        "en": "Good news: {name} will be your buddy. First visit: {date} at {time}. {name} will call you first. "
              "Questions? Call {phone}.",
    },
    "buddy_ended_citizen": {
        "nl": "De koppeling met uw maatje {name} is beeindigd. Vragen? Bel {phone}.",
        "en": "Your pairing with your buddy {name} has ended. Questions? Call {phone}.",
    },
})

LONGEST_VALUES.update({
    "confirm": "4821",
    "area": "3512 (Hardinxveld-Giessendam)",
    "help": "DigiD, Berichtenbox en Toeslagen",
    "codes": "123, 456, 789",
})

PURPOSE_LABELS.update({
    "vol_confirm": _l("Vrijwilliger: nummer bevestigen"),
    "vol_confirmed": _l("Vrijwilliger: nummer bevestigd"),
    "vol_offer": _l("Vrijwilliger: aanbod maatje"),
    "vol_accepted": _l("Vrijwilliger: antwoord op JA"),
    "vol_declined": _l("Vrijwilliger: antwoord op NEE"),
    "vol_too_late": _l("Vrijwilliger: al geregeld"),
    "vol_full": _l("Vrijwilliger: heeft al genoeg maatjes"),
    "vol_which": _l("Vrijwilliger: welk aanbod?"),
    "vol_no_offer": _l("Vrijwilliger: geen open vraag"),
    "vol_help_text": _l("Vrijwilliger: uitleg bij een onbekend bericht"),
    "vol_paired": _l("Vrijwilliger: koppeling bevestigd"),
    "vol_visit_reminder": _l("Vrijwilliger: maandelijkse herinnering"),
    "vol_visit_noted": _l("Vrijwilliger: bezoek genoteerd"),
    "vol_help_noted": _l("Vrijwilliger: hulpvraag genoteerd"),
    "vol_ended": _l("Vrijwilliger: koppeling beëindigd"),
    "vol_vog_reminder": _l("Vrijwilliger: VOG verloopt"),
    "buddy_paired_citizen": _l("Inwoner: maatje gevonden"),
    "buddy_ended_citizen": _l("Inwoner: koppeling beëindigd"),
})
