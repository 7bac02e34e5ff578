"""Demo data of the counter: three appointments today at the Utrecht Stadskantoor (so the day list
is not empty, whatever day the demo is loaded). Runs after referrals.demo. Idempotent: a second run
changes nothing."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from accounts.demo import first
from accounts.models import Organisation, User
from extensions import clock, db, unit_of_work
from extensions.dates import AMSTERDAM, local_today, stored_when
from referrals import services
from referrals.models import Appointment, Citizen, Location, Slot
from referrals.vocabulary import AppointmentStatus, Status

# (name, phone, postcode, house number, channel, local time today, extras)
TODAY = [
    ("Henk Visser", "06 23456789", "3521 AB", "7", "sms", time(9, 40),
     {"reads_poorly": True, "notes": "Wil de DigiD-app op zijn telefoon. Neemt zijn telefoon en de brief mee."}),
    ("Mieke de Boer", "06 34567890", "3523 BC", "21", "sms", time(10, 50),
     {"hard_of_hearing": True, "categories": ["berichtenbox", "toeslagen"],
      "notes": "Spreek rustig en duidelijk; wil de Berichtenbox leren gebruiken."}),
    ("Kees Smit", "030 234 5678", "3581 CD", "5", "phone", time(13, 50),
     {"brings_helper": True, "helper_name": "Sanne Smit", "helper_relation": "dochter"}),
]



@unit_of_work()
def seed() -> None:
    utrecht = first(Organisation, Organisation.name == "Gemeente Utrecht")
    agent = first(User, User.email == "agent@belastingdienst.demo.nl")
    if utrecht is None or agent is None:
        return
    location = first(Location, Location.municipality_id == utrecht.id, Location.name == "Stadskantoor")
    if location is None:
        return
    _seed_today(utrecht, location, agent)


def _seed_today(utrecht: Organisation, location: Location, agent: User) -> None:
    names = [row[0] for row in TODAY]
    if first(Citizen, Citizen.name.in_(names)):
        return
    today = local_today()
    for name, phone, postcode, number, channel, at, extras in TODAY:
        extras = dict(extras)
        data = services.ReferralInput(
            name=name, phone=phone, postcode=postcode, house_number=number, channel=channel,
            categories=extras.pop("categories", ["digid_app"]), reason="look_along", consent=True,
            municipality_id=utrecht.id, **extras)
        referral = services.create_referral(data, actor=agent)
        starts = datetime.combine(today, at, AMSTERDAM).astimezone(clock.now().tzinfo)
        # A slot of its own (off the regular grid), so the demo has appointments today even on a
        # weekend or after hours; booked in full so nothing else lands there.
        slot = Slot(location_id=location.id, municipality_id=utrecht.id, starts_at=starts,
                    ends_at=starts + timedelta(minutes=location.slot_minutes), capacity=1, booked=1)
        db.session.add(slot)
        db.session.flush()
        appointment = Appointment(referral_id=referral.id, slot_id=slot.id, location_id=location.id,
                                  municipality_id=utrecht.id, starts_at=starts, status=AppointmentStatus.BOOKED,
                                  channel=channel, booked_at=clock.now(), booked_by_id=agent.id)
        db.session.add(appointment)
        db.session.flush()
        services.change_status(referral, Status.BOOKED, actor=agent,
                               note=f"Afspraak {stored_when(starts)}, {location.name} (demo)")
