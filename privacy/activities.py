"""The register of processing activities (verwerkingsregister, AVG art. 30), kept in the app.

Every line of the processing log names one activity by its id and the version in force when it was
written: a change of purpose, legal basis, data or retention is a new version of the same id, and
the old version stays here, so an old log line is still read against what applied then.
The README's "Verwerkingenlogboek" table lists the current versions (a test compares them).
The register is a document in Dutch, like the log it explains, so its texts are stored text.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activity:
    id: str
    version: int
    name: str
    purpose: str
    legal_basis: str
    data: tuple[str, ...]  # categories of personal data
    retention: str


_TASK = "AVG art. 6 lid 1 onder e (taak van algemeen belang: de pilot Gezamenlijke Persoonlijke Dienstverlening)"
_CONSENT = "AVG art. 6 lid 1 onder a (toestemming van de inwoner, telefonisch gegeven en vastgelegd)"
_SECURITY = "AVG art. 32 (beveiliging van de verwerking)"
_CITIZEN = ("naam", "telefoonnummer", "postcode en huisnummer", "voorkeurskanaal", "taal", "hulpvraag")
_REFERRAL_TERM = "12 maanden na het afsluiten van de verwijzing"

_REGISTER: dict[tuple[str, int], Activity] = {}


def register_activity(activity: Activity) -> Activity:
    """Add an activity (or a new version of one). A higher context may add its own: privacy imports
    no higher context. Registering the same id and version twice with other content is a mistake."""
    known = _REGISTER.get((activity.id, activity.version))
    if known is not None and known != activity:
        raise ValueError(f"activity {activity.id} v{activity.version} is already registered differently")
    _REGISTER[(activity.id, activity.version)] = activity
    return activity


def current(activity_id: str) -> Activity | None:
    versions = [a for (aid, _v), a in _REGISTER.items() if aid == activity_id]
    return max(versions, key=lambda a: a.version) if versions else None


def version_of(activity_id: str, version: int) -> Activity | None:
    return _REGISTER.get((activity_id, version))


def all_current() -> list[Activity]:
    return sorted((current(aid) for aid in {aid for aid, _v in _REGISTER}), key=lambda a: a.id)


for _activity in (
    Activity("account-login", 1, "Inloggen", "Nagaan wie Wegwijs gebruikt en wanneer", _SECURITY,
             ("e-mailadres van de medewerker", "tijdstip"), "de bewaartermijn van het logboek"),
    Activity("access-security", 1, "Toegangsbeveiliging",
             "Mislukte inlogpogingen en geweigerde toegang opsporen", _SECURITY,
             ("medewerker", "opgevraagde pagina", "tijdstip"), "de bewaartermijn van het logboek"),
    Activity("account-management", 1, "Accountbeheer", "Accounts van medewerkers aanmaken en wijzigen",
             "AVG art. 6 lid 1 onder b en f (arbeidsrelatie, gerechtvaardigd belang)",
             ("naam en e-mailadres van de medewerker", "rol"), "zolang het account bestaat"),
    Activity("referral", 1, "Verwijzen naar de gemeente",
             "De inwoner die telefonisch niet geholpen kan worden doorverwijzen naar de gemeente",
             _CONSENT, _CITIZEN + ("toestemming",), _REFERRAL_TERM),
    Activity("appointment", 1, "Afspraak bij de gemeente",
             "Een afspraak aan de balie maken, verzetten of afzeggen en de inwoner daarover berichten", _TASK,
             ("naam", "telefoonnummer", "adres (brief)", "afspraak"), _REFERRAL_TERM),
    Activity("outreach-task", 1, "Bellen en brieven", "De inwoner bellen of een brief sturen als een sms niet kan",
             _TASK, ("naam", "telefoonnummer", "adres"), _REFERRAL_TERM),
    Activity("sms", 1, "Sms-berichten", "Sms-berichten aan inwoners en vrijwilligers versturen en controleren",
             _TASK, ("telefoonnummer", "tekst van het bericht", "afleverstatus"),
             "3 maanden na het versturen"),
    Activity("counter", 1, "Hulp aan de balie",
             "De inwoner aan de balie helpen: daglijst, aanmelden, niet gekomen, uitkomst", _TASK,
             _CITIZEN + ("afspraak", "uitkomst"), _REFERRAL_TERM),
    Activity("stale-follow-up", 1, "Vertraagde verwijzingen opvolgen",
             "Zorgen dat geen verwijzing zonder eigenaar blijft liggen", _TASK, ("naam", "status van de verwijzing"),
             _REFERRAL_TERM),
    Activity("course", 1, "Cursus Digisterker",
             "De inwoner inschrijven voor een cursus, de wachtlijst en de aanwezigheid bijhouden", _TASK,
             ("naam", "telefoonnummer", "inschrijving", "aanwezigheid"), _REFERRAL_TERM),
    Activity("escalation", 1, "Tweedelijns escalatie",
             "Een complexe vraag van de inwoner voorleggen aan de tweede lijn van de uitvoeringsorganisatie",
             _CONSENT, _CITIZEN + ("vraag en antwoord van de tweede lijn",), _REFERRAL_TERM),
    Activity("volunteer", 1, "Vrijwilligers", "Vrijwilligers registreren, screenen (VOG) en beheren",
             "AVG art. 6 lid 1 onder a en f (toestemming, gerechtvaardigd belang)",
             ("naam", "telefoonnummer", "postcode", "talen en vaardigheden", "VOG-controle"),
             "1 jaar na het einde van het vrijwilligerswerk"),
    Activity("buddy", 1, "Maatje zoeken en begeleiden",
             "Een vrijwillig maatje voor de inwoner zoeken, koppelen en de koppeling begeleiden", _CONSENT,
             ("voornaam en telefoonnummer van de inwoner", "postcode", "vrijwilliger", "bezoeken"),
             "2 jaar na het einde van de koppeling"),
    Activity("privacy-rights", 1, "Rechten van betrokkenen",
             "Inzage, correctie, wissen en bewaarplicht op verzoek van de inwoner of vrijwilliger",
             "AVG art. 6 lid 1 onder c (wettelijke verplichting: AVG art. 15 tot en met 18)",
             ("alle gegevens van de persoon in Wegwijs",), "de bewaartermijn van het logboek"),
    Activity("retention", 1, "Bewaartermijnen toepassen",
             "Gegevens na hun bewaartermijn anonimiseren of verwijderen",
             "AVG art. 5 lid 1 onder e (opslagbeperking)", ("gegevens waarvan de bewaartermijn voorbij is",),
             "de bewaartermijn van het logboek"),
):
    register_activity(_activity)
