"""Demo data: the participating municipalities' PC4 areas, locations with opening hours and slots,
and a few referrals. Runs after accounts.demo (which creates the organisations and accounts).
Idempotent: a second run changes nothing."""
from __future__ import annotations

from datetime import time

from sqlalchemy import select

from accounts.models import Organisation, OrgKind, User
from extensions import clock, db, unit_of_work
from referrals import categories, services
from referrals.models import Location, MunicipalityArea, OpeningHours, QuestionCategory, Referral
from referrals.slots import sync_location

WEEKDAYS = range(0, 5)

# municipality -> (PC4 ranges, locations)
MUNICIPALITIES = {
    "Gemeente Utrecht": (
        [(3511, 3585)],
        [dict(name="Stadskantoor", street="Stadsplateau 1", postcode="3521 AZ", city="Utrecht",
              phone="030 286 0000", slot_minutes=30, counters=2,
              room="Stadskantoor, 2e verdieping", what_to_bring="paspoort of ID-kaart, telefoon en brief",
              what_to_bring_en="passport or ID card, phone and letter",
              hours={d: [(time(9), time(12, 30)), (time(13, 30), time(16, 30))] for d in WEEKDAYS}),
         dict(name="Wijkbureau Overvecht", street="Zamenhofdreef 7", postcode="3562 JT", city="Utrecht",
              phone="030 286 0000", slot_minutes=45, counters=1, what_to_bring="",
              hours={1: [(time(9), time(12))], 3: [(time(13), time(16))]})],
    ),
    "Gemeente Amersfoort": (
        [(3811, 3829)],
        [dict(name="Stadhuis", street="Stadhuisplein 1", postcode="3811 LM", city="Amersfoort",
              phone="033 469 4911", slot_minutes=30, counters=1, what_to_bring="",
              hours={d: [(time(9), time(16))] for d in WEEKDAYS})],
    ),
}

DEMO_CITIZENS = [
    # (name, phone, postcode, house number, channel, extras)
    ("Jan de Vries", "06 12345678", "3512 AB", "14", "sms", {"reads_poorly": True}),
    ("Fatima El Amrani", "06 87654321", "3523 CD", "3 bis", "sms", {"needs_interpreter": True, "language": "en"}),
    ("Gerrit Jansen", "030 123 4567", "3531 EF", "88", "letter",
     {"street": "Kanaalweg", "city": "Utrecht", "hard_of_hearing": True}),
    ("Ria Bakker", "033 765 4321", "3817 GH", "2", "phone", {"brings_helper": True, "helper_name": "Kees Bakker",
                                                             "helper_relation": "zoon", "helper_phone": "06 11122233",
                                                             "helper_gets_copy": True}),
]


def _org(name: str) -> Organisation | None:
    return db.session.execute(select(Organisation).where(Organisation.name == name)).scalar()


# Besides the standard question categories: an agency's own one, and a retired one (not offered,
# still named on what was stored with it). (code, Dutch, English, agency, retired)
DEMO_CATEGORIES = [
    ("betalingsregeling", "Betalingsregeling", "Payment arrangement", "Belastingdienst", False),
    ("mijnoverheid", "MijnOverheid", "MijnOverheid", "Logius", False),
    ("digid_sms", "DigiD met sms-controle", "DigiD with SMS check", None, True),
]


def _seed_categories() -> None:
    agencies = {o.name: o.id for o in db.session.execute(
        select(Organisation).where(Organisation.kind == OrgKind.AGENCY)).scalars()}
    categories.add_standard_categories(agencies)
    existing = set(db.session.execute(select(QuestionCategory.code)).scalars())
    for position, (code, nl, en, agency, retired) in enumerate(DEMO_CATEGORIES, start=len(categories.STANDARD)):
        if code not in existing and (agency is None or agency in agencies):
            db.session.add(QuestionCategory(code=code, name_nl=nl, name_en=en, position=position,
                                            agency_id=agencies.get(agency), retired_at=clock.now() if retired else None))
    db.session.flush()


@unit_of_work()
def seed() -> None:
    _seed_categories()
    for name, (ranges, locations) in MUNICIPALITIES.items():
        municipality = _org(name)
        if municipality is None:
            continue
        has_areas = db.session.execute(select(MunicipalityArea.pc4).where(
            MunicipalityArea.municipality_id == municipality.id).limit(1)).scalar()
        if not has_areas:
            services.set_areas(municipality.id, [str(n) for lo, hi in ranges for n in range(lo, hi + 1)])
        for spec in locations:
            spec = dict(spec)
            hours = spec.pop("hours")
            location = db.session.execute(select(Location).where(Location.municipality_id == municipality.id,
                                                                 Location.name == spec["name"])).scalar()
            if location is None:
                location = Location(municipality_id=municipality.id, **spec)
                for weekday, ranges_ in hours.items():
                    for opens, closes in ranges_:
                        location.hours.append(OpeningHours(weekday=weekday, opens=opens, closes=closes))
                db.session.add(location)
                db.session.flush()
            sync_location(location)
    db.session.flush()
    _seed_referrals()


def _seed_referrals() -> None:
    agent = db.session.execute(select(User).where(User.email == "agent@belastingdienst.demo.nl")).scalar()
    if agent is None or db.session.execute(select(Referral.id).limit(1)).scalar():
        return
    for i, (name, phone, postcode, number, channel, extras) in enumerate(DEMO_CITIZENS):
        extras = dict(extras)
        data = services.ReferralInput(
            name=name, phone=phone, postcode=postcode, house_number=number, channel=channel,
            language=extras.pop("language", "nl"), categories=["digid_apply"] if i % 2 == 0 else ["toeslagen", "machtigen"],
            reason="no_device" if i % 2 == 0 else "look_along",
            notes="Heeft de activeringsbrief al ontvangen." if i == 0 else "", consent=True, **extras)
        referral = services.create_referral(data, actor=agent)
        # A letter citizen's appointment lies far enough ahead for the letter to arrive.
        later = services.first_day_for_letter() if channel == "letter" else None
        slots = services.free_slots(referral.municipality_id, limit=4 + i, from_day=later)
        if slots:
            services.book(referral, slots[-1].id, actor=agent)
