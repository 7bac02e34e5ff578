"""The client council's report: the journey of every organisation together, anonymised.

No free text, no person-level row, no date finer than a calendar quarter (fixed and
non-overlapping: reports.periods.completed_quarters), no area finer than a municipality. Every count
is of events inside the quarter (a result counts when it was known before the quarter ended), so a
quarter's figures do not change afterwards. Small cells are suppressed (reports.suppression).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from accounts.models import Organisation, OrgKind
from counter.models import RESULTS as COUNTER_RESULTS
from counter.models import SOLUTIONS, CounterVisit, Outcome
from extensions import db
from helpdesk.models import Contact
from referrals.models import Referral
from referrals.vocabulary import REASONS
from reports import periods
from reports.periods import Period
from reports.suppression import PRIMARY, SECONDARY, suppress
from reports.tables import HIDDEN, SUPPRESSED, Table


def rule() -> str:
    return _("Aantallen onder de 10 staan er als \u201c<10\u201d. Om te voorkomen dat iemand zo\u2019n aantal kan "
             "terugrekenen uit de totalen, zijn ook enkele andere aantallen verborgen (\u201cx\u201d); dan "
             "is ook uit de totalen niet meer af te leiden wat er verborgen staat. De cijfers gaan altijd "
             "over \u00e9\u00e9n heel kalenderkwartaal dat voorbij is, nooit over een maand of een zelf gekozen "
             "periode, zodat ook het verschil tussen twee perioden niemand aanwijst.")


def quarters() -> list[Period]:
    return periods.completed_quarters()


def quarter_by_key(key: str | None) -> Period | None:
    """One of the offered quarters by its key ("2026-K3"); None for anything else."""
    offered = quarters()
    if not key:
        return offered[0]
    return next((q for q in offered if q.key == key), None)


def council_report(period: Period) -> list[Table]:
    start, end = period.bounds
    municipalities = _names(OrgKind.MUNICIPALITY)
    agencies = _names(OrgKind.AGENCY)

    referrals = db.session.execute(
        select(Referral.municipality_id, Outcome.result, func.count(Referral.id))
        .outerjoin(Outcome, and_(Outcome.referral_id == Referral.id, Outcome.recorded_at < end))
        .where(Referral.created_at >= start, Referral.created_at < end)
        .group_by(Referral.municipality_id, Outcome.result)).all()
    results = {**{k: str(v) for k, v in COUNTER_RESULTS.items()}, None: _("Nog geen uitkomst")}

    reasons = db.session.execute(
        select(Contact.reason, Contact.organisation_id, func.count())
        .where(Contact.solved.is_(False), Contact.at >= start, Contact.at < end)
        .group_by(Contact.reason, Contact.organisation_id)).all()

    solutions = db.session.execute(
        select(Outcome.municipality_id, Outcome.solution, func.count())
        .where(Outcome.recorded_at >= start, Outcome.recorded_at < end)
        .group_by(Outcome.municipality_id, Outcome.solution)).all()

    visits = db.session.execute(
        select(CounterVisit.municipality_id, CounterVisit.kind, func.count())
        .where(CounterVisit.at >= start, CounterVisit.at < end)
        .group_by(CounterVisit.municipality_id, CounterVisit.kind)).all()
    kinds = {"checked_in": _("Geweest"), "no_show": _("Niet gekomen")}

    return [
        protected("verwijzingen", _("Verwijzingen per gemeente en hun uitkomst"), _("Gemeente"),
                  municipalities, results, referrals, _("verwijzingen"),
                  intro=_("Verwijzingen gemaakt in het kwartaal, met de uitkomst zoals die aan het einde van "
                          "het kwartaal bekend was.")),
        protected("redenen", _("Waarom het telefonisch niet lukte, per organisatie"), _("Reden"),
                  {k: str(v) for k, v in REASONS.items()}, agencies,
                  [(reason, org, n) for reason, org, n in reasons], _("klantcontacten")),
        protected("oplossingen", _("Blijvende oplossingen per gemeente"), _("Gemeente"), municipalities,
                  {k: str(v) for k, v in SOLUTIONS.items()}, solutions, _("uitkomsten")),
        protected("opkomst", _("Opkomst bij de afspraak per gemeente"), _("Gemeente"), municipalities, kinds,
                  visits, _("afspraken")),
    ]


def _names(kind: OrgKind) -> dict[int, str]:
    return dict(db.session.execute(select(Organisation.id, Organisation.name)
                                   .where(Organisation.kind == kind).order_by(Organisation.name)).all())


def protected(key: str, title: str, row_header: str, row_labels: dict, column_labels: dict, counts,
              unit: str, intro: str = "") -> Table:
    """A two-way table with its totals, small cells suppressed and the rule under it. Rows without
    any count are left out (an organisation without activity tells nothing)."""
    found = {(r, c): int(n) for r, c, n in counts}
    row_keys = [r for r in row_labels if any(found.get((r, c), 0) for c in column_labels)]
    column_keys = list(column_labels)
    if not row_keys:
        return Table(key, title, [row_header, *column_labels.values(), _("Totaal")], [], chart=(len(column_keys) + 1,),
                     unit=unit, intro=intro, note=rule())
    values = [[found.get((r, c), 0) for c in column_keys] for r in row_keys]
    grid, marks = suppress(values)
    shown = [[_shown(v, m) for v, m in zip(row, mrow, strict=True)] for row, mrow in zip(grid, marks, strict=True)]
    rows = [[row_labels[r], *shown[i]] for i, r in enumerate(row_keys)]
    return Table(key, title, [row_header, *column_labels.values(), _("Totaal")], rows,
                 totals=[_("Totaal"), *shown[-1]], chart=(len(column_keys) + 1,), unit=unit, intro=intro,
                 note=rule())


def _shown(value: int, mark: str | None):
    if mark == PRIMARY:
        return SUPPRESSED
    if mark == SECONDARY:
        return HIDDEN
    return value
