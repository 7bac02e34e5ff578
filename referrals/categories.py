"""Question categories: what an agent is offered (the shared ones first, then the agency's own, in
the admin's order, "Anders" last with a text), checking a choice, and the admin's management.

Stored rows of contacts, referrals and escalations keep the category's code, so a renamed category
shows its new name everywhere and a retired one keeps its name on what was stored with it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from accounts.models import Organisation, OrgKind
from extensions import DomainError, clock, db, unit_of_work
from referrals.checks import refuse_bsn
from referrals.models import OTHER_TEXT_MAX, QuestionCategory
from referrals.services import FieldErrors

NAME_MAX = 80
# The form field with the text of an "Anders" is named after its category.
OTHER_FIELD_PREFIX = "other_"

# The categories every installation starts with (migration 0013 made the same rows from the former
# fixed list): (code, Dutch, English, the agency they belong to or None for all, is "Anders").
STANDARD = [
    ("digid_apply", "DigiD aanvragen", "Applying for DigiD", None, False),
    ("digid_activate", "DigiD activeren", "Activating DigiD", None, False),
    ("digid_app", "DigiD-app", "DigiD app", None, False),
    ("digid_recovery", "DigiD herstellen", "Recovering DigiD", None, False),
    ("berichtenbox", "Berichtenbox", "Berichtenbox", None, False),
    ("machtigen", "Machtigen", "Authorising someone", None, False),
    ("other", "Anders", "Other", None, True),
    ("toeslagen", "Toeslagen", "Allowances (Toeslagen)", "Belastingdienst", False),
    ("aangifte", "Belastingaangifte", "Tax return", "Belastingdienst", False),
    ("aow", "AOW", "State pension (AOW)", "SVB", False),
    ("kinderbijslag", "Kinderbijslag", "Child benefit", "SVB", False),
    ("svb_other", "Andere diensten van de SVB", "Other SVB services", "SVB", False),
]


def other_field(code: str) -> str:
    return f"{OTHER_FIELD_PREFIX}{code}"


def add_standard_categories(agency_ids: dict[str, int]) -> None:
    """The standard categories that are not there yet; an agency's own ones go to that agency when
    `agency_ids` names it (also when migration 0013 made them shared, before the agency existed),
    otherwise they are shared. Adds to the caller's unit of work."""
    existing = {c.code: c for c in db.session.execute(select(QuestionCategory)).scalars()}
    for position, (code, nl, en, agency, is_other) in enumerate(STANDARD):
        agency_id = agency_ids.get(agency) if agency else None
        if code not in existing:
            db.session.add(QuestionCategory(code=code, name_nl=nl, name_en=en, is_other=is_other,
                                            agency_id=agency_id, position=position))
        elif agency_id is not None and existing[code].agency_id is None:
            existing[code].agency_id = agency_id
    db.session.flush()


# --- what an agent is offered ---------------------------------------------------------------------

@dataclass
class CategoryGroup:
    title: str
    agency_id: int | None
    categories: list[QuestionCategory]


def _group_title(agency: Organisation | None) -> str:
    return agency.name if agency is not None else _("Voor alle organisaties")


def offered_groups(agency_id: int | None, *, keep: tuple[str, ...] = ()) -> list[CategoryGroup]:
    """The categories offered to an agency's people: the shared ones, then the agency's own, not
    retired, in the admin's order. `keep`: codes already chosen (on a referral) stay offered in
    their group, even when retired or another agency's."""
    offered = or_(QuestionCategory.agency_id.is_(None), QuestionCategory.agency_id == agency_id)
    rows = db.session.execute(select(QuestionCategory).where(
        or_(offered & QuestionCategory.retired_at.is_(None), QuestionCategory.code.in_(keep)))).scalars()
    return _grouped(rows)


def _grouped(rows) -> list[CategoryGroup]:
    groups: dict[int | None, list[QuestionCategory]] = {}
    for category in sorted(rows, key=lambda c: c.sort_key):
        groups.setdefault(category.agency_id, []).append(category)
    agencies = {o.id: o for o in db.session.execute(
        select(Organisation).where(Organisation.id.in_([a for a in groups if a is not None]))).scalars()}
    order = sorted(groups, key=lambda a: (a is not None, agencies[a].name if a is not None else ""))
    return [CategoryGroup(_group_title(agencies.get(a)), a, groups[a]) for a in order]


def flat(groups: list[CategoryGroup]) -> list[QuestionCategory]:
    return [c for group in groups for c in group.categories]


def check_choice(chosen: list[str] | None, texts: dict[str, str] | None, offered: list[QuestionCategory],
                 errors: dict[str, str], *, empty_message: str) -> list[tuple[str, str | None]]:
    """The chosen codes (in the offered order) with the text of an "Anders"; messages go into
    `errors` (next to "categories", or next to the "Anders" text field)."""
    chosen, texts = set(chosen or []), texts or {}
    picked = [c for c in offered if c.code in chosen]
    if len(picked) != len(chosen):
        errors["categories"] = _("Kies de onderwerpen uit de lijst.")
    elif not picked:
        errors["categories"] = empty_message
    result = []
    for category in picked:
        text = None
        if category.is_other:
            name = other_field(category.code)
            text = " ".join((texts.get(category.code) or "").split())
            if not text:
                errors[name] = _("Beschrijf in een paar woorden waar de vraag over gaat.")
            elif len(text) > OTHER_TEXT_MAX:
                errors[name] = _("Houd dit korter dan %(n)s tekens.", n=OTHER_TEXT_MAX)
            else:
                try:
                    refuse_bsn(text, name)
                except DomainError as err:
                    errors[name] = err.message
        result.append((category.code, text))
    return result


def filter_choices(agency_id: int) -> list[tuple[str, str]]:
    """Every category an agency's queue can be filtered on, retired ones included (old escalations)."""
    rows = db.session.execute(select(QuestionCategory).where(
        or_(QuestionCategory.agency_id.is_(None), QuestionCategory.agency_id == agency_id))).scalars()
    return [(c.code, c.label if c.retired_at is None else _("%(name)s (ingetrokken)", name=c.label))
            for c in sorted(rows, key=lambda c: (c.retired_at is not None, c.sort_key))]


# --- the admin's management -----------------------------------------------------------------------

def all_groups() -> list[CategoryGroup]:
    """Every group the admin manages: shared, then every agency (also those without categories yet),
    retired categories last in their group."""
    rows = list(db.session.execute(select(QuestionCategory)).scalars())
    agencies = list(db.session.execute(select(Organisation).where(
        or_(Organisation.kind == OrgKind.AGENCY, Organisation.id.in_(list({c.agency_id for c in rows} - {None}))))
        .order_by(Organisation.name)).scalars())
    key = lambda c: (c.retired_at is not None, c.sort_key)  # noqa: E731
    groups = [CategoryGroup(_group_title(None), None, sorted((c for c in rows if c.agency_id is None), key=key))]
    groups += [CategoryGroup(_group_title(a), a.id, sorted((c for c in rows if c.agency_id == a.id), key=key))
               for a in agencies]
    return groups


def agency_choices(category: QuestionCategory | None = None) -> list[tuple[int, str]]:
    """The groups a category can go into (0: all organisations): the active agencies, and the one
    it is in."""
    agencies = db.session.execute(select(Organisation).where(
        Organisation.kind == OrgKind.AGENCY,
        or_(Organisation.active.is_(True), Organisation.id == (category.agency_id if category else None)))
        .order_by(Organisation.name)).scalars()
    return [(0, _("Voor alle organisaties"))] + [(a.id, a.name) for a in agencies]


def category_for_admin(category_id: int) -> QuestionCategory:
    return db.get_or_404(QuestionCategory, category_id)


@dataclass
class CategoryInput:
    agency_id: int | None = None  # None or 0: shared by all agencies
    name_nl: str = ""
    name_en: str = ""
    is_other: bool = False


def _new_code(name: str) -> str:
    """A readable code that is not taken (codes are stored on contacts, referrals, escalations)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")[:16].strip("_") or "onderwerp"
    taken = set(db.session.execute(select(QuestionCategory.code).where(
        QuestionCategory.code.startswith(base))).scalars())
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


def _same_group(agency_id: int | None):
    return QuestionCategory.agency_id.is_(None) if agency_id is None else QuestionCategory.agency_id == agency_id


def _other_in_group(agency_id: int | None, but: int | None) -> bool:
    return db.session.execute(select(QuestionCategory.id).where(
        _same_group(agency_id), QuestionCategory.is_other.is_(True), QuestionCategory.retired_at.is_(None),
        QuestionCategory.id != (but or 0)).limit(1)).scalar() is not None


@unit_of_work()
def save_category(category: QuestionCategory | None, data: CategoryInput) -> QuestionCategory:
    """Add a category to a group (at the end), or change one: its names, or its group (at the end
    of the new group; what was stored with it keeps its code and so its name)."""
    errors: dict[str, str] = {}
    agency_id = data.agency_id or None
    if agency_id is not None and (category is None or agency_id != category.agency_id):
        agency = db.session.get(Organisation, agency_id)
        if agency is None or agency.kind != OrgKind.AGENCY or not agency.active:
            errors["agency_id"] = _("Kies een organisatie uit de lijst.")
    name_nl = " ".join((data.name_nl or "").split())
    name_en = " ".join((data.name_en or "").split())
    if not name_nl:
        errors["name_nl"] = _("Vul de naam in het Nederlands in.")
    elif len(name_nl) > NAME_MAX:
        errors["name_nl"] = _("Houd de naam korter dan %(n)s tekens.", n=NAME_MAX)
    elif db.session.execute(select(QuestionCategory.id).where(
            _same_group(agency_id), func.lower(QuestionCategory.name_nl) == name_nl.lower(),
            QuestionCategory.id != (category.id if category else 0)).limit(1)).scalar() is not None:
        errors["name_nl"] = _("Deze groep heeft al een onderwerp met deze naam.")
    if len(name_en) > NAME_MAX:
        errors["name_en"] = _("Houd de naam korter dan %(n)s tekens.", n=NAME_MAX)
    if data.is_other and _other_in_group(agency_id, category.id if category else None):
        errors["is_other"] = _("Deze groep heeft al een onderwerp \u201cAnders\u201d.")
    if errors:
        raise FieldErrors(errors)
    if category is None or category.agency_id != agency_id:  # last in its (new) group
        last = db.session.execute(select(func.max(QuestionCategory.position))
                                  .where(_same_group(agency_id))).scalar()
        if category is None:
            category = QuestionCategory(code=_new_code(name_nl))
            db.session.add(category)
        category.agency_id, category.position = agency_id, (last if last is not None else -1) + 1
    category.name_nl, category.name_en, category.is_other = name_nl, name_en, bool(data.is_other)
    db.session.flush()
    return category


@unit_of_work()
def move_category(category: QuestionCategory, step: int) -> None:
    """One place up (-1) or down (+1) among the offered categories of its group ("Anders" stays last)."""
    siblings = sorted(db.session.execute(select(QuestionCategory).where(
        _same_group(category.agency_id), QuestionCategory.retired_at.is_(None),
        QuestionCategory.is_other == category.is_other)).scalars(), key=lambda c: c.sort_key)
    if category not in siblings:
        raise DomainError(_("Een ingetrokken onderwerp heeft geen plaats in de lijst."))
    i = siblings.index(category)
    j = i + step
    if not 0 <= j < len(siblings):
        return  # already first or last
    siblings[i], siblings[j] = siblings[j], siblings[i]
    for position, sibling in enumerate(siblings):  # numbered afresh: no two share a place
        sibling.position = position


@unit_of_work()
def retire_category(category: QuestionCategory) -> None:
    """No longer offered; what was stored with it keeps showing its name."""
    if category.retired_at is None:
        category.retired_at = clock.now()


@unit_of_work()
def restore_category(category: QuestionCategory) -> None:
    if category.retired_at is None:
        return
    if category.is_other and _other_in_group(category.agency_id, category.id):
        raise DomainError(_("Deze groep heeft al een onderwerp \u201cAnders\u201d."))
    category.retired_at = None
