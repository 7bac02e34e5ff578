"""The export in the categories of the IDO registration (Informatiepunt Digitale Overheid): per
question the organisation it concerns, whether it is a digital-government question, and to whom the
citizen was referred. A visit (an outcome at the counter) may hold several questions: one for each
question category of the referral.

Counted in the database per (category, lasting solution, referring organisation); those few groups
are then put into the IDO's words."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from accounts.models import Organisation
from counter.models import Outcome
from extensions import db
from referrals.models import Referral, ReferralCategory
from reports.periods import Period
from reports.tables import Table

# Question category -> (the organisation in the IDO registration, a digital-government question?)
IDO_TOPICS: dict[str, tuple[str, bool]] = {
    "digid_apply": ("Logius: DigiD", True),
    "digid_activate": ("Logius: DigiD", True),
    "digid_app": ("Logius: DigiD", True),
    "digid_recovery": ("Logius: DigiD", True),
    "berichtenbox": ("Logius: MijnOverheid en Berichtenbox", True),
    "machtigen": ("Logius: DigiD Machtigen", True),
    "toeslagen": ("Belastingdienst/Toeslagen", True),
    "aangifte": ("Belastingdienst", True),
    "aow": ("SVB", True),
    "kinderbijslag": ("SVB", True),
    "svb_other": ("SVB", True),
    "other": ("Overig", False),
}


def _referred_to(solution: str, agency: str) -> str:
    return {
        "none": _("Niet doorverwezen"),
        "course": _("Cursus Digisterker"),
        "buddy": _("Vrijwilliger (maatje)"),
        "other": _("Andere hulp in de buurt"),
        "escalation": _("Tweede lijn van %(agency)s", agency=agency),
    }.get(solution, solution)


def ido_report(municipality_id: int, period: Period) -> list[Table]:
    start, end = period.bounds
    in_period = and_(Outcome.municipality_id == municipality_id, Outcome.recorded_at >= start,
                     Outcome.recorded_at < end)
    visits = db.session.execute(select(func.count()).where(in_period)).scalar()
    groups = db.session.execute(
        select(ReferralCategory.code, Outcome.solution, Organisation.name, func.count())
        .join(Referral, Referral.id == ReferralCategory.referral_id)
        .join(Outcome, Outcome.referral_id == Referral.id)
        .join(Organisation, Organisation.id == Referral.referring_org_id)
        .where(in_period).group_by(ReferralCategory.code, Outcome.solution, Organisation.name)).all()
    rows: dict[tuple[str, str, str], int] = {}
    for code, solution, agency, n in groups:
        topic, digital = IDO_TOPICS.get(code, IDO_TOPICS["other"])
        key = (topic, _("Digitale overheid") if digital else _("Overige vraag"), _referred_to(solution, agency))
        rows[key] = rows.get(key, 0) + int(n)
    questions = sum(rows.values())
    digital = sum(n for (_t, kind, _r), n in rows.items() if kind == _("Digitale overheid"))
    summary = Table("ido-bezoeken", _("Bezoeken en vragen"), [_("Registratie"), _("Aantal")],
                    [[_("Bezoeken"), visits], [_("Vragen"), questions],
                     [_("Vragen over de digitale overheid"), digital], [_("Overige vragen"), questions - digital]],
                    unit=_("bezoeken en vragen"),
                    intro=_("Een bezoek kan meer vragen hebben: een vraag per onderwerp van de verwijzing."))
    detail = Table("ido-vragen", _("Vragen per organisatie en doorverwijzing"),
                   [_("Organisatie"), _("Soort vraag"), _("Doorverwezen naar"), _("Vragen")],
                   [[t, k, r, n] for (t, k, r), n in sorted(rows.items(), key=lambda kv: (-kv[1], kv[0]))],
                   chart=(3,), label_columns=3, unit=_("vragen"))
    return [summary, detail]
