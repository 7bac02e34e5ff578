"""Demo data: a few logged calls (solved by phone and not). Runs after referrals.demo."""
from __future__ import annotations

from sqlalchemy import select

from accounts.models import User
from extensions import db, unit_of_work
from helpdesk.models import Contact, ContactCategory
from referrals.models import Referral

CALLS = [
    (["digid_activate"], True, None, "Activeringscode opnieuw aangevraagd."),
    (["berichtenbox"], True, None, ""),
    (["toeslagen", "machtigen"], False, "look_along", ""),
    (["aangifte"], True, None, ""),
    (["digid_apply"], False, "no_device", ""),
]


@unit_of_work()
def seed() -> None:
    agent = db.session.execute(select(User).where(User.email == "agent@belastingdienst.demo.nl")).scalar()
    if agent is None or db.session.execute(select(Contact.id).limit(1)).scalar():
        return
    referrals = list(db.session.execute(select(Referral).where(Referral.referred_by_id == agent.id)
                                        .order_by(Referral.id)).scalars())
    for categories, solved, reason, notes in CALLS:
        contact = Contact(organisation_id=agent.organisation_id, agent_id=agent.id, solved=solved, reason=reason,
                          notes=notes)
        contact.categories = [ContactCategory(category=c) for c in categories]
        if not solved and referrals:
            contact.referral_id = referrals.pop(0).id
        db.session.add(contact)
    db.session.flush()
