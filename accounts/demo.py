"""Demo organisations and one account per role. Idempotent: running it twice changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from accounts.models import Organisation, OrgKind, Role, User
from accounts.passwords import hash_password
from accounts.services import new_session_token
from extensions import db, unit_of_work

DEMO_PASSWORD = "Wegwijs-demo-2026"

ORGANISATIONS = [
    ("Wegwijs beheer", OrgKind.SYSTEM),
    ("Belastingdienst", OrgKind.AGENCY),
    ("SVB", OrgKind.AGENCY),
    ("Logius", OrgKind.AGENCY),
    ("Gemeente Utrecht", OrgKind.MUNICIPALITY),
    ("Gemeente Amersfoort", OrgKind.MUNICIPALITY),
    ("Cliëntenraad GPD", OrgKind.COUNCIL),
]

# (e-mail, name, role, organisation): the README lists these.
USERS = [
    ("beheer@wegwijs.demo.nl", "Bram Beheer", Role.ADMIN, "Wegwijs beheer"),
    ("agent@belastingdienst.demo.nl", "Anna Agent", Role.AGENT, "Belastingdienst"),
    ("agent@svb.demo.nl", "Sem Agent", Role.AGENT, "SVB"),
    ("tweedelijn@belastingdienst.demo.nl", "Tess Tweedelijn", Role.SECOND_LINE, "Belastingdienst"),
    ("leiding@belastingdienst.demo.nl", "Lars Leiding", Role.LEAD, "Belastingdienst"),
    ("balie@utrecht.demo.nl", "Bo Balie", Role.COUNTER, "Gemeente Utrecht"),
    ("coordinator@utrecht.demo.nl", "Cor Coördinator", Role.COORDINATOR, "Gemeente Utrecht"),
    ("privacy@utrecht.demo.nl", "Pim Privacy", Role.PRIVACY_OFFICER, "Gemeente Utrecht"),
    ("balie@amersfoort.demo.nl", "Ali Balie", Role.COUNTER, "Gemeente Amersfoort"),
    ("raad@clientenraad.demo.nl", "Rik Raad", Role.COUNCIL, "Cliëntenraad GPD"),
]


@unit_of_work()
def seed() -> None:
    orgs = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    for name, kind in ORGANISATIONS:
        if name not in orgs:
            orgs[name] = Organisation(name=name, kind=kind)
            db.session.add(orgs[name])
    db.session.flush()
    existing = set(db.session.execute(select(User.email)).scalars())
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, role, org in USERS:
        if email not in existing:
            db.session.add(User(email=email, name=name, role=role, organisation_id=orgs[org].id,
                                password_hash=password_hash, session_token=new_session_token()))
    db.session.flush()


def first(model, *conditions):
    """The first row that matches, or None: how every context's demo seed finds what an earlier one made."""
    return db.session.execute(select(model).where(*conditions).limit(1)).scalar()


def organisation(name: str) -> Organisation:
    return db.session.execute(select(Organisation).where(Organisation.name == name)).scalar_one()
