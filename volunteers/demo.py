"""Demo data of the volunteers: five volunteers in Utrecht with different languages, skills and VOG
states, and a citizen waiting for a buddy, so matching shows its reasons at once. Runs after
counter.demo. Idempotent: a second run changes nothing."""
from __future__ import annotations

from datetime import timedelta

from accounts.demo import first
from accounts.models import Organisation, User
from counter.services import OutcomeInput, record_outcome
from extensions import clock, db, unit_of_work
from extensions.dates import local_today
from referrals import services as referrals
from referrals.models import Citizen
from referrals.vocabulary import Status
from volunteers.models import BuddySearch, VogCheck, Volunteer
from volunteers.services import add_months

# (name, mobile, postcode, languages, skills, sms language, status, VOG date (years, days ago) or None, confirmed)
VOLUNTEERS = [
    ("Anna Haddou", "06 51000001", "3523 BK", "nl,ar", "digid,toeslagen", "nl", "active", (0, 200), True),
    ("Piet de Graaf", "06 51000002", "3512 JE", "nl", "aangifte,paperwork", "nl", "active", (1, 30), True),
    ("Sophie Verbeek", "06 51000003", "3581 KP", "nl,en", "berichtenbox,digid", "en", "active", (2, 320), True),
    ("Mehmet Yilmaz", "06 51000004", "3531 GR", "nl,tr", "digid,toeslagen", "nl", "paused", (3, 20), True),
    ("Lotte Jansen", "06 51000005", "3562 AB", "nl", "paperwork", "nl", "intake", None, False),
]

WAITING = dict(name="Khadija Bouzid", phone="06 45678911", postcode="3523 AB", house_number="9", channel="sms",
               categories=["toeslagen", "digid_app"], reason="language", needs_interpreter=True, consent=True)



@unit_of_work()
def seed() -> None:
    utrecht = first(Organisation, Organisation.name == "Gemeente Utrecht")
    coordinator = first(User, User.email == "coordinator@utrecht.demo.nl")
    counter = first(User, User.email == "balie@utrecht.demo.nl")
    agent = first(User, User.email == "agent@belastingdienst.demo.nl")
    if None in (utrecht, coordinator, counter, agent):
        return
    if first(Volunteer, Volunteer.municipality_id == utrecht.id) is None:
        _volunteers(utrecht, coordinator)
    if first(Citizen, Citizen.name == WAITING["name"]) is None:
        _waiting_citizen(utrecht, agent, counter)


def _volunteers(utrecht, coordinator) -> None:
    today = local_today()
    now = clock.now()
    for name, phone, postcode, languages, skills, language, status, vog, confirmed in VOLUNTEERS:
        volunteer = Volunteer(municipality_id=utrecht.id, name=name, phone_e164="+31" + phone.replace(" ", "")[1:],
                              postcode=postcode, pc4=postcode[:4], language=language, languages=languages,
                              skills=skills, weekdays="di,do", dayparts="ochtend,middag", max_buddies=1, load=0,
                              status=status, pause_reason="vog_expired" if status == "paused" else None,
                              phone_confirmed_at=now if confirmed else None, confirm_code=None if confirmed
                              else "4821", confirm_sent_at=None if confirmed else now,
                              notes="Demo: vrijwilliger sinds dit jaar.")
        db.session.add(volunteer)
        db.session.flush()
        if vog:
            years, days = vog
            issued = add_months(today, -12 * years) - timedelta(days=days)
            valid_until = add_months(issued, 36)
            db.session.add(VogCheck(volunteer_id=volunteer.id, checked_by_id=coordinator.id, checked_at=now,
                                    issued_on=issued, outcome="ok", valid_until=valid_until))
            volunteer.vog_valid_until = valid_until


def _waiting_citizen(utrecht, agent, counter) -> None:
    """A citizen the counter helped today with the outcome "buddy": on the coordinator's list."""
    referral = referrals.create_referral(referrals.ReferralInput(municipality_id=utrecht.id, **WAITING), actor=agent)
    referrals.change_status(referral, Status.BOOKED, actor=agent, note="Afspraak (demo)")
    referrals.change_status(referral, Status.ATTENDED, actor=counter, note="Aangemeld aan de balie (demo)")
    record_outcome(referral, OutcomeInput(actions=["explained"], minutes=40, result="partly", solution="buddy",
                                          notes="Zoekt iemand die maandelijks helpt met post en toeslagen."),
                   actor=counter)
    search = first(BuddySearch, BuddySearch.referral_id == referral.id)
    if search is not None:
        search.language = "ar"  # she speaks Arabic best: the ranking shows why Anna comes first
