"""The contact log: logging a call, and referring the citizen when the call could not solve it."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.models import User
from accounts.policy import get_scoped_or_404
from extensions import DomainError, clock, db, unit_of_work
from helpdesk.models import Contact, ContactCategory
from referrals.checks import refuse_bsn
from referrals.models import Referral
from referrals.services import FieldErrors, ReferralInput, create_referral
from referrals.vocabulary import CATEGORIES, REASONS


@dataclass
class ContactInput:
    categories: list[str] = field(default_factory=list)
    solved: str | None = None  # "yes" / "no"
    reason: str | None = None
    notes: str = ""


@unit_of_work()
def log_contact(data: ContactInput, *, actor: User) -> Contact:
    """Store a call. A solved call needs no personal data; free text with a BSN is refused."""
    errors: dict[str, str] = {}
    categories = [c for c in CATEGORIES if c in (data.categories or [])]
    if not categories:
        errors["categories"] = _("Kies minstens een onderwerp.")
    if data.solved not in ("yes", "no"):
        errors["solved"] = _("Kies of de vraag telefonisch is opgelost.")
    solved = data.solved == "yes"
    reason = None
    if data.solved == "no":
        if data.reason not in REASONS:
            errors["reason"] = _("Kies waarom de vraag niet telefonisch op te lossen was.")
        reason = data.reason
    notes = (data.notes or "").strip()
    try:
        refuse_bsn(notes, "notes")
    except DomainError as err:
        errors["notes"] = err.message
    if errors:
        raise FieldErrors(errors)
    contact = Contact(organisation_id=actor.organisation_id, agent_id=actor.id, at=clock.now(), solved=solved,
                      reason=reason, notes=notes)
    contact.categories = [ContactCategory(category=c) for c in categories]
    db.session.add(contact)
    db.session.flush()
    return contact


def contact_for_user(contact_id: int, user=None) -> Contact:
    return get_scoped_or_404(Contact, contact_id, Contact.organisation_id, user=user)


@unit_of_work()
def refer_contact(contact: Contact, data: ReferralInput, *, actor: User) -> Referral:
    """Create the referral for an unsolved contact, carrying its categories and reason (nothing
    retyped); the contact and the referral are saved together or not at all."""
    if contact.solved:
        raise DomainError(_("Deze vraag is telefonisch opgelost; er is geen verwijzing nodig."))
    if contact.referral_id:
        raise DomainError(_("Voor dit klantcontact is al een verwijzing gemaakt."))
    data.categories = contact.category_codes
    data.reason = contact.reason or "other"
    referral = create_referral(data, actor=actor)
    contact.referral_id = referral.id
    return referral


def recent_contacts(user, limit: int = 10) -> list[Contact]:
    return list(db.session.execute(
        select(Contact).where(Contact.organisation_id == user.organisation_id, Contact.agent_id == user.id)
        .order_by(Contact.at.desc(), Contact.id.desc()).limit(limit)).scalars())


def reason_counts(organisation_id: int) -> list[tuple[str, int]]:
    """How often each reason made a call unsolvable by phone (feedback to the agency)."""
    rows = db.session.execute(
        select(Contact.reason, func.count()).where(Contact.organisation_id == organisation_id,
                                                   Contact.solved.is_(False))
        .group_by(Contact.reason)).all()
    counts = dict(rows)
    return [(REASONS[code], counts.get(code, 0)) for code in REASONS]
