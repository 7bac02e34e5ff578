"""Demo data: a few logged calls (solved by phone and not), and the second line's escalations
Runs after referrals.demo and counter.demo. Idempotent."""
from __future__ import annotations

from sqlalchemy import select

from accounts.models import User
from extensions import clock, db, unit_of_work
from helpdesk.models import Contact
from referrals.models import Referral

CALLS = [
    (["digid_activate"], True, None, "Activeringscode opnieuw aangevraagd."),
    (["berichtenbox"], True, None, ""),
    (["toeslagen", "machtigen"], False, "look_along", ""),
    (["aangifte"], True, None, ""),
    (["digid_apply"], False, "no_device", ""),
    (["other"], True, None, ""),
]
# The text of an "Anders" in the calls above.
OTHER_TEXTS = {"other": "WOZ-beschikking niet te vinden"}


@unit_of_work()
def seed() -> None:
    _seed_calls()
    _seed_escalations()


def _seed_calls() -> None:
    agent = db.session.execute(select(User).where(User.email == "agent@belastingdienst.demo.nl")).scalar()
    if agent is None or db.session.execute(select(Contact.id).limit(1)).scalar():
        return
    referrals = list(db.session.execute(select(Referral).where(Referral.referred_by_id == agent.id)
                                        .order_by(Referral.id)).scalars())
    for categories, solved, reason, notes in CALLS:
        contact = Contact(organisation_id=agent.organisation_id, agent_id=agent.id, at=clock.now(), solved=solved,
                          reason=reason, notes=notes)
        contact.categorise((c, OTHER_TEXTS.get(c)) for c in categories)
        if not solved and referrals:
            contact.referral_id = referrals.pop(0).id
        db.session.add(contact)
    db.session.flush()


# --- the second-line escalation queue --------------------------------------------------------
# Escalations of Gemeente Utrecht to the Belastingdienst in different states and clocks, and one
# citizen checked in today without an outcome, so the whole escalation can be played in the browser
# (README: "De tweede lijn"). Times are set back in working days from the moment the demo loads.

ESCALATIONS = [
    # (name, phone, postcode, number, categories, need, urgency, state, working days ago, note)
    ("Ahmed Yilmaz", "06 45678901", "3531 KL", "12", "toeslagen",
     "De zorgtoeslag is stopgezet zonder brief. Uitzoeken waarom en zo nodig herstellen.", "urgent", "new", 3, ""),
    ("Joke Hendriks", "06 56789012", "3513 MN", "40", "aangifte",
     "Aangifte 2025 staat op 'in behandeling' sinds juni. Graag de status en wat de inwoner moet doen.", "normal",
     "claimed", 1, "Dossier opgevraagd bij de afdeling aangifte."),
    ("Piet Mulder", "06 27890123", "3572 PQ", "3", "toeslagen,machtigen",
     "Machtiging voor de dochter werkt niet bij toeslagen. Graag uitzoeken wat er mis is.", "normal", "waiting", 2,
     "Lijkt op de bekende storing bij machtigen."),
    ("Sandra de Wit", "06 38901234", "3521 RS", "77", "aangifte",
     "Naheffing ontvangen die niet klopt; inwoner heeft bezwaar willen maken maar kwam niet in Mijn Belastingdienst.",
     "normal", "closed", 6, "Bezwaar intern doorgezet."),
]
READY_NAME = "Willem de Graaf"  # checked in today: the counter records the escalation in the browser


def _seed_escalations() -> None:
    from counter.models import Outcome, OutcomeAction
    from extensions.dates import working_days_before
    from helpdesk import services
    from helpdesk.models import (
        Escalation,
        EscalationCategory,
        EscalationEvent,
        EscalationNote,
        EscalationStatus,
    )
    from referrals import services as referral_services
    from referrals.models import Citizen
    from referrals.outreach import add_task
    from referrals.vocabulary import Status

    def user(email):
        return db.session.execute(select(User).where(User.email == email)).scalar()

    agent, counter = user("agent@belastingdienst.demo.nl"), user("balie@utrecht.demo.nl")
    second, lead = user("tweedelijn@belastingdienst.demo.nl"), user("leiding@belastingdienst.demo.nl")
    if None in (agent, counter, second, lead):
        return
    if db.session.execute(select(Citizen.id).where(Citizen.name == READY_NAME)).scalar():
        return
    now = clock.now()

    def referral_at_counter(name, phone, postcode, number, categories):
        referral = referral_services.create_referral(referral_services.ReferralInput(
            name=name, phone=phone, postcode=postcode, house_number=number, channel="sms",
            categories=categories.split(","), reason="complex", consent=True,
            municipality_id=counter.organisation_id), actor=agent)
        referral_services.change_status(referral, Status.BOOKED, actor=agent, note="Afspraak gemaakt (demo)")
        referral_services.change_status(referral, Status.ATTENDED, actor=counter, note="Aangemeld aan de balie (demo)")
        return referral

    for name, phone, postcode, number, categories, need, urgency, state, days, note in ESCALATIONS:
        referral = referral_at_counter(name, phone, postcode, number, categories)
        sent = working_days_before(now, days)
        db.session.add(Outcome(referral_id=referral.id, municipality_id=referral.municipality_id,
                               actions=[OutcomeAction(code="explained")], minutes=25, result="not",
                               solution="escalation", escalation_need=need, recorded_at=sent,
                               recorded_by_id=counter.id))
        referral_services.record_result(referral, result="not", solution="escalation")
        referral_services.change_status(referral, Status.OUTCOME, actor=counter,
                                        note="Uitkomst: Niet opgelost, oplossing: doorzetten naar de tweede lijn")
        escalation = Escalation(referral_id=referral.id, agency_id=agent.organisation_id,
                                municipality_id=referral.municipality_id, status=EscalationStatus.OPEN, need=need,
                                urgency=urgency, consent_at=sent, consent_by_id=counter.id,
                                created_at=sent, created_by_id=counter.id, sent_at=sent,
                                categories=[EscalationCategory(code=c) for c in categories.split(",")])
        db.session.add(escalation)
        db.session.flush()
        events = [EscalationEvent(escalation_id=escalation.id, at=sent, by_user_id=counter.id, kind="sent",
                                  status="open", urgency=urgency, text=need)]
        services._mark_referral(referral, "escalation_sent", actor=counter)
        if state != "new":
            claimed = sent + (now - sent) / 4
            escalation.claimed_by_id, escalation.claimed_at, escalation.owner_active_at = second.id, claimed, now
            events.append(EscalationEvent(escalation_id=escalation.id, at=claimed, by_user_id=second.id,
                                          kind="claimed", status="open", urgency=urgency, to_user_id=second.id))
            db.session.add(EscalationNote(escalation_id=escalation.id, agency_id=escalation.agency_id, at=claimed,
                                          by_user_id=second.id, text=note))
        if state == "waiting":
            asked = sent + (now - sent) / 2
            question = "Welke brief over de machtiging heeft de inwoner als laatste gekregen, en van wanneer?"
            escalation.status = EscalationStatus.WAITING_MUNICIPALITY
            events.append(EscalationEvent(escalation_id=escalation.id, at=asked, by_user_id=second.id,
                                          kind="asked_municipality", status="waiting_municipality", urgency=urgency,
                                          text=question))
        if state == "closed":
            answered = sent + (now - sent) / 2
            closed_at = sent + (now - sent) * 3 / 4
            answer = "Naheffing is vervallen; de inwoner krijgt binnen twee weken een nieuwe beschikking."
            escalation.status, escalation.result, escalation.answer = EscalationStatus.CLOSED, "solved", answer
            escalation.closed_at, escalation.closed_by_id = closed_at, second.id
            events += [EscalationEvent(escalation_id=escalation.id, at=answered, by_user_id=second.id,
                                       kind="answered", status="open", urgency=urgency,
                                       text="We kijken ernaar; de naheffing staat voorlopig stil."),
                       EscalationEvent(escalation_id=escalation.id, at=closed_at, by_user_id=second.id,
                                       kind="closed", status="closed", urgency=urgency, text=answer)]
            services._mark_referral(referral, "escalation_answered", actor=second, result="solved")
        db.session.add_all(events)
        db.session.flush()
        for event in events:
            if event.kind == "asked_municipality":
                add_task(municipality_id=referral.municipality_id, referral_id=referral.id, kind="call",
                         reason="escalation", dedup_key=f"escalation:{escalation.id}:event:{event.id}",
                         description=f"Tweede lijn Belastingdienst vraagt (escalatie {escalation.id}): "
                                     f"{event.text} Antwoord op de escalatiepagina.")
            if event.kind == "closed":
                add_task(municipality_id=referral.municipality_id, referral_id=referral.id, kind="call",
                         reason="escalation", dedup_key=f"escalation:{escalation.id}:closed",
                         description=f"Antwoord van de tweede lijn van Belastingdienst voor de inwoner (Opgelost): "
                                     f"{event.text} Beslis op de escalatiepagina of de inwoner bericht krijgt.")
        if escalation.status != EscalationStatus.CLOSED:
            services._refresh(escalation)

    referral_at_counter(READY_NAME, "06 49012345", "3582 TU", "9", "toeslagen")
    db.session.flush()
    services.record_alerts_now()  # the warnings and breaches the scheduler would have recorded
