"""The figures of every report, counted in the database (GROUP BY over the period's rows; nothing
is loaded row by row into Python), and put into `Table`s for the page, the chart and the CSV.

Who sees what: an agency's reports count its own contacts, referrals and escalations only; a
municipality's count what was addressed to it; the client council sees the anonymised report of
every organisation together (council.py), for fixed calendar quarters only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, func, select

from accounts.models import Organisation, OrgKind, Role
from counter.models import RESULTS as COUNTER_RESULTS
from counter.models import SOLUTIONS, CounterVisit, Outcome
from courses.models import Course, CourseSession, Enrolment, EnrolmentStatus
from extensions import db
from helpdesk.models import (
    CLOCK_LABELS,
    ESCALATION_STATUSES,
    Contact,
    ContactCategory,
    Escalation,
    EscalationAlert,
    EscalationEvent,
    EscalationStatus,
)
from helpdesk.sla import CLOCKS, RESPONSES
from referrals.categories import filter_choices
from referrals.models import Appointment, Referral
from referrals.services import FieldErrors
from referrals.vocabulary import REASONS, STATUS_LABELS, AppointmentStatus
from reports import periods
from reports.periods import Period
from reports.tables import Table, cell_text, number, share
from volunteers.models import BuddyPairing, BuddySearch, BuddyVisit

DAY = 86400.0
HOUR = 3600.0


# --- the period --------------------------------------------------------------------------------------

@dataclass
class PeriodChoice:
    kind: str | None = None
    year: str | None = None
    month: str | None = None
    quarter: str | None = None
    start: date | None = None
    end: date | None = None


def choose_period(choice: PeriodChoice) -> Period:
    """The period asked for, or the current month when nothing was asked. Refuses an unknown kind,
    a year out of range, or a custom range without both days, backwards or longer than a year, with
    the message next to the field concerned (FieldErrors)."""
    kind = choice.kind or "month"
    errors: dict[str, str] = {}
    if kind not in periods.KINDS:
        raise FieldErrors({"periode": _("Kies maand, kwartaal, jaar of zelf kiezen.")})
    if kind == "custom":
        if choice.start is None:
            errors["van"] = _("Vul de eerste dag in, bijvoorbeeld 1-3-2026.")
        if choice.end is None:
            errors["tot"] = _("Vul de laatste dag in, bijvoorbeeld 31-3-2026.")
        if errors:
            raise FieldErrors(errors)
        if choice.start.year < periods.EARLIEST_YEAR or choice.end.year > periods.local_today().year + 1:
            raise FieldErrors({"van": _("Kies dagen vanaf %(year)s tot uiterlijk volgend jaar.",
                                        year=periods.EARLIEST_YEAR)})
        if choice.end < choice.start:
            raise FieldErrors({"tot": _("De laatste dag ligt voor de eerste dag.")})
        if (choice.end - choice.start).days + 1 > periods.MAX_CUSTOM_DAYS:
            raise FieldErrors({"tot": _("Kies hoogstens %(days)s dagen; kies voor langer een jaar.",
                                        days=periods.MAX_CUSTOM_DAYS)})
        return Period("custom", choice.start, choice.end + timedelta(days=1))
    today = periods.local_today()
    y = _whole(choice.year, today.year)
    if y is None or not periods.EARLIEST_YEAR <= y <= today.year + 1:
        raise FieldErrors({"jaar": _("Kies een jaar uit de lijst.")})
    if kind == "year":
        return periods.year(y)
    if kind == "quarter":
        q = _whole(choice.quarter, (today.month - 1) // 3 + 1)
        if q is None or not 1 <= q <= 4:
            raise FieldErrors({"kwartaal": _("Kies een kwartaal uit de lijst.")})
        return periods.quarter(y, q)
    m = _whole(choice.month, today.month)
    if m is None or not 1 <= m <= 12:
        raise FieldErrors({"maand": _("Kies een maand uit de lijst.")})
    return periods.month(y, m)


def _whole(value: str | None, default: int) -> int | None:
    if value in (None, ""):
        return default
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else None


# --- helpers for the queries -------------------------------------------------------------------------

def _seconds(later, earlier):
    """Seconds between two timestamp columns, in the database."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * DAY
    return func.extract("epoch", later - earlier)


def _average_and_median(durations, unit: float):
    """The number, average and median of a subquery's `seconds` column, in the database: on
    PostgreSQL in one pass (percentile_cont); elsewhere the median as the middle row(s) of the
    ordered column (no row is loaded but those)."""
    column = durations.c.seconds
    present = column.is_not(None)
    if db.engine.dialect.name == "postgresql":
        n, average, median = db.session.execute(
            select(func.count(column), func.avg(column), func.percentile_cont(0.5).within_group(column))
            .where(present)).one()
        if not n:
            return 0, None, None
        return n, number(float(average) / unit), number(float(median) / unit)
    n, average = db.session.execute(select(func.count(), func.avg(column)).where(present)).one()
    if not n:
        return 0, None, None
    middle = db.session.execute(select(column).where(present).order_by(column)
                                .offset((n - 1) // 2).limit(2 - n % 2)).scalars().all()
    median = sum(float(v) for v in middle) / len(middle)
    return n, number(float(average) / unit), number(median / unit)


def _in(column, period: Period):
    start, end = period.bounds
    return and_(column >= start, column < end)


def _labelled(counts: dict, labels: dict) -> list[list]:
    """Rows in vocabulary order, every code of the vocabulary included (zero when none)."""
    rows = [[str(label), int(counts.get(code, 0))] for code, label in labels.items()]
    rows += [[str(code), int(n)] for code, n in counts.items() if code not in labels and code is not None]
    return rows


def _by_count(rows: list[list]) -> list[list]:
    """Largest first; equal counts in vocabulary order (sorted is stable)."""
    return sorted(rows, key=lambda r: -r[1])


# --- the agency lead ---------------------------------------------------------------------------------

def agency_report(agency_id: int, period: Period) -> list[Table]:
    calls, reasons = _calls_and_reasons(agency_id, period)
    by_municipality = _referrals_by_municipality(agency_id, period)
    # Every referral has a municipality: the closed loop's totals are this table's, not another scan.
    total = sum(row[1] for row in by_municipality.rows)
    known = sum(row[2] for row in by_municipality.rows)
    return [calls, reasons, _contact_categories(agency_id, period), by_municipality,
            _closed_loop(agency_id, period, total, known), _agency_visits(agency_id, period),
            sla_table(agency_id, period)]


def _calls_and_reasons(agency_id: int, period: Period) -> tuple[Table, Table]:
    """One pass over the contacts of this period and the previous one: per reason (none for a solved
    call), how many in each period, and of this period's how many were solved and how many referred."""
    before = period.previous()
    now_start, now_end = period.bounds
    this = Contact.at >= now_start
    rows = db.session.execute(
        select(Contact.reason, func.sum(case((this, 1), else_=0)), func.sum(case((this, 0), else_=1)),
               func.sum(case((and_(this, Contact.solved), 1), else_=0)),
               func.sum(case((and_(this, Contact.referral_id.is_not(None)), 1), else_=0)))
        .where(Contact.organisation_id == agency_id, Contact.at >= before.bounds[0], Contact.at < now_end)
        .group_by(Contact.reason)).all()
    total = sum(int(r[1]) for r in rows)
    solved = sum(int(r[3]) for r in rows)
    referred = sum(int(r[4]) for r in rows)
    counts = {reason: (int(a), int(b)) for reason, a, b, _s, _r in rows if reason is not None}
    return _calls(total, solved, referred), _reasons(counts, period, before)


def _calls(total: int, solved: int, referred: int) -> Table:
    unsolved_kept = total - solved - referred
    rows = [[_("Opgelost aan de telefoon"), solved, share(solved, total)],
            [_("Verwezen naar de gemeente"), referred, share(referred, total)],
            [_("Niet opgelost en niet verwezen"), unsolved_kept, share(unsolved_kept, total)]]
    return Table("klantcontacten", _("Klantcontacten"), [_("Klantcontact"), _("Aantal"), _("Percentage")], rows,
                 totals=[_("Vastgelegde klantcontacten"), total, share(total, total)], unit=_("klantcontacten"),
                 intro=_("%(share)s%% van de klantcontacten is verwezen naar een gemeente.",
                         share=_pct(share(referred, total))))


def _pct(value) -> str:
    return cell_text(value)


def _reasons(counts: dict, period: Period, before: Period) -> Table:
    rows = []
    for code, label in REASONS.items():
        a, b = counts.get(code, (0, 0))
        rows.append([str(label), a, b, a - b])
    rows = sorted(rows, key=lambda r: -r[1])
    top = [r[0] for r in rows if r[1]][:3]
    intro = _("Meest genoemd: %(top)s.", top=", ".join(top)) if top else _("Geen klantcontacten zonder oplossing.")
    return Table("redenen", _("Waarom het telefonisch niet lukte"),
                 [_("Reden"), period.label, _("Vorige periode (%(period)s)", period=before.label), _("Verschil")],
                 rows, chart=(1, 2), unit=_("klantcontacten"), intro=intro)


def _contact_categories(agency_id: int, period: Period) -> Table:
    counts = dict(db.session.execute(
        select(ContactCategory.code, func.count())
        .where(ContactCategory.organisation_id == agency_id, _in(ContactCategory.at, period))
        .group_by(ContactCategory.code)).all())
    return Table("vraagcategorieen", _("Onderwerpen van de vragen"), [_("Onderwerp"), _("Klantcontacten")],
                 _by_count(_labelled(counts, dict(filter_choices(agency_id)))), unit=_("klantcontacten"),
                 intro=_("Een klantcontact kan over meer onderwerpen gaan."))


def _referrals_by_municipality(agency_id: int, period: Period) -> Table:
    rows = db.session.execute(
        select(Organisation.name, func.count(Referral.id), func.count(Referral.result_code))
        .join(Organisation, Organisation.id == Referral.municipality_id)
        .where(Referral.referring_org_id == agency_id, _in(Referral.created_at, period))
        .group_by(Organisation.name).order_by(func.count(Referral.id).desc(), Organisation.name)).all()
    return Table("gemeenten", _("Verwijzingen per gemeente"),
                 [_("Gemeente"), _("Verwijzingen"), _("Met uitkomst"), _("Percentage met uitkomst")],
                 [[name, n, known, share(known, n)] for name, n, known in rows], unit=_("verwijzingen"))


def _closed_loop(agency_id: int, period: Period, total: int, known: int) -> Table:
    """`total` and `known`: the agency's referrals of the period and those with a result."""
    mine = and_(Referral.referring_org_id == agency_id, _in(Referral.created_at, period))
    # The first appointment of each of these referrals only (not of every referral ever made).
    first_visit = (select(Referral.created_at, func.min(Appointment.starts_at).label("starts_at"))
                   .join(Appointment, Appointment.referral_id == Referral.id)
                   .where(mine, Appointment.status != AppointmentStatus.CANCELLED)
                   .group_by(Referral.id, Referral.created_at).subquery())
    to_appointment = select(_seconds(first_visit.c.starts_at, first_visit.c.created_at).label("seconds")).subquery()
    to_result = (select(_seconds(Outcome.recorded_at, Referral.created_at).label("seconds")).select_from(Referral)
                 .join(Outcome, Outcome.referral_id == Referral.id).where(mine).subquery())
    n_a, avg_a, med_a = _average_and_median(to_appointment, DAY)
    n_r, avg_r, med_r = _average_and_median(to_result, DAY)
    rows = [[_("Verwijzingen"), total, None, None],
            [_("Met bekende uitkomst"), known, None, None],
            [_("Met afspraak: dagen van verwijzing tot afspraak"), n_a, avg_a, med_a],
            [_("Met uitkomst: dagen van verwijzing tot uitkomst"), n_r, avg_r, med_r]]
    return Table("kringloop", _("Wat werd er van de verwijzingen"),
                 [_("Verwijzingen"), _("Aantal"), _("Gemiddeld (dagen)"), _("Mediaan (dagen)")], rows,
                 chart=(2, 3), unit=_("dagen"),
                 intro=_("%(share)s%% van de verwijzingen heeft een bekende uitkomst.",
                         share=_pct(share(known, total))))


def _agency_visits(agency_id: int, period: Period) -> Table:
    counts = dict(db.session.execute(
        select(CounterVisit.kind, func.count())
        .join(Referral, Referral.id == CounterVisit.referral_id)
        .where(Referral.referring_org_id == agency_id, _in(CounterVisit.at, period))
        .group_by(CounterVisit.kind)).all())
    came, missed = counts.get("checked_in", 0), counts.get("no_show", 0)
    return Table("opkomst", _("Opkomst bij de gemeente"), [_("Afspraak"), _("Aantal"), _("Percentage")],
                 [[_("Geweest"), came, share(came, came + missed)],
                  [_("Niet gekomen"), missed, share(missed, came + missed)]],
                 totals=[_("Afspraken met opkomst vastgelegd"), came + missed, share(came + missed, came + missed)],
                 unit=_("afspraken"))


def sla_table(agency_id: int, period: Period) -> Table:
    """Escalations sent in the period, per clock: on time or breached. A breach is what the
    monitoring job recorded (escalation_alert, kind "breach"), counted once per escalation and clock."""
    sent = and_(Escalation.agency_id == agency_id, Escalation.sent_at.is_not(None), _in(Escalation.sent_at, period))
    total = db.session.execute(select(func.count()).where(sent)).scalar()
    breached = dict(db.session.execute(
        select(EscalationAlert.clock_name, func.count(distinct(EscalationAlert.escalation_id)))
        .join(Escalation, Escalation.id == EscalationAlert.escalation_id)
        .where(sent, EscalationAlert.kind == "breach").group_by(EscalationAlert.clock_name)).all())
    rows = []
    for name in CLOCKS:
        late = int(breached.get(name, 0))
        rows.append([str(CLOCK_LABELS[name]), total - late, late, share(total - late, total)])
    return Table("termijnen", _("Escalaties: termijnen gehaald of overschreden"),
                 [_("Termijn"), _("Op tijd"), _("Overschreden"), _("Percentage op tijd")], rows, chart=(1, 2),
                 unit=_("escalaties"),
                 intro=_("%(n)s escalaties naar de tweede lijn verstuurd in deze periode.", n=total))


# --- the municipality --------------------------------------------------------------------------------

def municipality_report(municipality_id: int, period: Period) -> list[Table]:
    return [_appointments(municipality_id, period), _received(municipality_id, period),
            _results(municipality_id, period), _solutions(municipality_id, period),
            _minutes(municipality_id, period), _courses(municipality_id, period),
            _buddies(municipality_id, period), _stale(municipality_id)]


def _appointment_labels() -> dict:
    return {AppointmentStatus.BOOKED: _("Gepland"), AppointmentStatus.ATTENDED: _("Geweest"),
            AppointmentStatus.NO_SHOW: _("Niet gekomen"), AppointmentStatus.CANCELLED: _("Afgezegd"),
            AppointmentStatus.MOVED: _("Verzet naar een andere tijd")}


def _appointments(municipality_id: int, period: Period) -> Table:
    counts = dict(db.session.execute(
        select(Appointment.status, func.count())
        .where(Appointment.municipality_id == municipality_id, _in(Appointment.starts_at, period))
        .group_by(Appointment.status)).all())
    came, missed = counts.get(AppointmentStatus.ATTENDED, 0), counts.get(AppointmentStatus.NO_SHOW, 0)
    return Table("afspraken", _("Afspraken in deze periode"), [_("Afspraak"), _("Aantal")],
                 _labelled(counts, _appointment_labels()), unit=_("afspraken"),
                 totals=[_("Afspraken"), sum(counts.values())],
                 intro=_("Opkomst: %(share)s%% van de afspraken waarbij is vastgelegd of de inwoner kwam.",
                         share=_pct(share(came, came + missed))))


def _received(municipality_id: int, period: Period) -> Table:
    rows = db.session.execute(
        select(Organisation.name, func.count(Referral.id))
        .join(Organisation, Organisation.id == Referral.referring_org_id)
        .where(Referral.municipality_id == municipality_id, _in(Referral.created_at, period))
        .group_by(Organisation.name).order_by(func.count(Referral.id).desc(), Organisation.name)).all()
    return Table("verwijzers", _("Verwijzingen ontvangen, per organisatie"), [_("Organisatie"), _("Verwijzingen")],
                 [[name, n] for name, n in rows], unit=_("verwijzingen"))


def _outcomes_in(municipality_id: int, period: Period):
    return and_(Outcome.municipality_id == municipality_id, _in(Outcome.recorded_at, period))


def _results(municipality_id: int, period: Period) -> Table:
    counts = dict(db.session.execute(select(Outcome.result, func.count()).where(_outcomes_in(municipality_id, period))
                                     .group_by(Outcome.result)).all())
    return Table("uitkomsten", _("Uitkomsten aan de balie"), [_("Uitkomst"), _("Aantal")],
                 _labelled(counts, COUNTER_RESULTS), totals=[_("Uitkomsten"), sum(counts.values())],
                 unit=_("uitkomsten"))


def _solutions(municipality_id: int, period: Period) -> Table:
    counts = dict(db.session.execute(select(Outcome.solution, func.count()).where(_outcomes_in(municipality_id, period))
                                     .group_by(Outcome.solution)).all())
    return Table("oplossingen", _("Blijvende oplossingen"), [_("Oplossing"), _("Aantal")],
                 _labelled(counts, SOLUTIONS), totals=[_("Uitkomsten"), sum(counts.values())], unit=_("uitkomsten"))


def _minutes(municipality_id: int, period: Period) -> Table:
    n, total, average = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Outcome.minutes), 0), func.avg(Outcome.minutes))
        .where(_outcomes_in(municipality_id, period))).one()
    visits_n, visit_minutes = db.session.execute(
        select(func.count(BuddyVisit.id), func.coalesce(func.sum(BuddyVisit.minutes), 0))
        .join(BuddyPairing, BuddyPairing.id == BuddyVisit.pairing_id)
        .where(BuddyPairing.municipality_id == municipality_id, _in(BuddyVisit.reported_at, period))).one()
    return Table("minuten", _("Bestede tijd"), [_("Hulp"), _("Keer"), _("Minuten"), _("Gemiddeld (minuten)")],
                 [[_("Aan de balie"), n, int(total), number(average) if average is not None else None],
                  [_("Bezoeken van maatjes (gemeld)"), visits_n, int(visit_minutes),
                   number(int(visit_minutes) / visits_n) if visits_n else None]],
                 chart=(2,), unit=_("minuten"))


def _courses(municipality_id: int, period: Period) -> Table:
    waiting = func.sum(case((Enrolment.status == EnrolmentStatus.WAITING, 1), else_=0))
    completed = func.sum(case((and_(Enrolment.status == EnrolmentStatus.COMPLETED,
                                    _in(Enrolment.completed_at, period)), 1), else_=0))
    in_period = (select(CourseSession.course_id).where(_in(CourseSession.starts_at, period)).distinct()
                 .scalar_subquery())
    rows = db.session.execute(
        select(Course.title, Course.capacity, Course.taken, func.coalesce(waiting, 0), func.coalesce(completed, 0))
        .outerjoin(Enrolment, Enrolment.course_id == Course.id)
        .where(Course.municipality_id == municipality_id, Course.id.in_(in_period))
        .group_by(Course.id, Course.title, Course.capacity, Course.taken).order_by(Course.title, Course.id)).all()
    return Table("cursussen", _("Cursussen Digisterker met lessen in deze periode"),
                 [_("Cursus"), _("Plaatsen"), _("Bezet"), _("Wachtlijst"), _("Afgerond in deze periode")],
                 [[title, capacity, taken, int(w), int(c)] for title, capacity, taken, w, c in rows],
                 chart=(2, 3), unit=_("inwoners"))


def _buddies(municipality_id: int, period: Period) -> Table:
    started = db.session.execute(select(func.count()).where(BuddySearch.municipality_id == municipality_id,
                                                            _in(BuddySearch.created_at, period))).scalar()
    waits = (select(_seconds(BuddyPairing.started_at, BuddySearch.created_at).label("seconds"))
             .select_from(BuddyPairing).join(BuddySearch, BuddySearch.id == BuddyPairing.search_id)
             .where(BuddyPairing.municipality_id == municipality_id, _in(BuddyPairing.started_at, period)).subquery())
    matched, avg_wait, med_wait = _average_and_median(waits, DAY)
    active = db.session.execute(select(func.count()).where(BuddyPairing.municipality_id == municipality_id,
                                                           BuddyPairing.status == "active")).scalar()
    still = db.session.execute(select(func.count()).where(BuddySearch.municipality_id == municipality_id,
                                                          BuddySearch.status == "searching")).scalar()
    visits = db.session.execute(
        select(func.count(BuddyVisit.id)).join(BuddyPairing, BuddyPairing.id == BuddyVisit.pairing_id)
        .where(BuddyPairing.municipality_id == municipality_id, _in(BuddyVisit.reported_at, period))).scalar()
    return Table("maatjes", _("Maatjes (vrijwilligers)"), [_("Maatjes"), _("Aantal"), _("Gemiddeld (dagen)"),
                                                          _("Mediaan (dagen)")],
                 [[_("Zoektochten gestart"), started, None, None],
                  [_("Gekoppeld: wachttijd tot een maatje"), matched, avg_wait, med_wait],
                  [_("Zoekt nu nog een maatje"), still, None, None],
                  [_("Actieve koppelingen nu"), active, None, None],
                  [_("Bezoeken gemeld"), visits, None, None]], unit=_("maatjes"))


def _stale(municipality_id: int) -> Table:
    counts = dict(db.session.execute(
        select(Referral.status, func.count())
        .where(Referral.municipality_id == municipality_id, Referral.stale_since.is_not(None),
               Referral.stale_since > Referral.updated_at)
        .group_by(Referral.status)).all())
    return Table("blijven-liggen", _("Verwijzingen die blijven liggen (nu)"), [_("Status"), _("Verwijzingen")],
                 [[str(STATUS_LABELS.get(s, s)), n] for s, n in sorted(counts.items())],
                 totals=[_("Blijven liggen"), sum(counts.values())], unit=_("verwijzingen"),
                 intro=_("Verwijzingen waar sinds de laatste controle niets mee is gedaan, los van de periode."))


# --- the second line ---------------------------------------------------------------------------------

def second_line_report(agency_id: int, period: Period) -> list[Table]:
    return [_queue(agency_id), _response_times(agency_id, period), sla_table(agency_id, period)]


def _queue(agency_id: int) -> Table:
    rows = db.session.execute(
        select(Escalation.status, func.count(), func.count(Escalation.claimed_by_id))
        .where(Escalation.agency_id == agency_id,
               Escalation.status.not_in((EscalationStatus.DRAFT, EscalationStatus.CLOSED)))
        .group_by(Escalation.status)).all()
    by_status = {s: (n, c) for s, n, c in rows}
    table_rows = [[str(label), *by_status.get(code, (0, 0))] for code, label in ESCALATION_STATUSES.items()
                  if code not in (EscalationStatus.DRAFT, EscalationStatus.CLOSED)]
    return Table("wachtrij", _("Wachtrij nu"), [_("Status"), _("Escalaties"), _("Opgepakt")], table_rows,
                 chart=(1, 2), totals=[_("Open escalaties"), sum(n for n, _c in by_status.values()),
                                       sum(c for _n, c in by_status.values())], unit=_("escalaties"))


def _response_times(agency_id: int, period: Period) -> Table:
    sent = and_(Escalation.agency_id == agency_id, Escalation.sent_at.is_not(None), _in(Escalation.sent_at, period))
    first = (select(EscalationEvent.escalation_id, func.min(EscalationEvent.at).label("at"))
             .where(EscalationEvent.kind.in_(sorted(RESPONSES))).group_by(EscalationEvent.escalation_id).subquery())
    to_first = (select(_seconds(first.c.at, Escalation.sent_at).label("seconds"))
                .select_from(Escalation).join(first, first.c.escalation_id == Escalation.id).where(sent).subquery())
    to_close = (select(_seconds(Escalation.closed_at, Escalation.sent_at).label("seconds"))
                .where(sent, Escalation.closed_at.is_not(None)).subquery())
    n_f, avg_f, med_f = _average_and_median(to_first, HOUR)
    n_c, avg_c, med_c = _average_and_median(to_close, HOUR)
    return Table("reactietijd", _("Tijd tot eerste reactie en tot oplossing"),
                 [_("Van versturen tot"), _("Escalaties"), _("Gemiddeld (uren)"), _("Mediaan (uren)")],
                 [[_("Eerste reactie"), n_f, avg_f, med_f], [_("Oplossing"), n_c, avg_c, med_c]], chart=(2, 3),
                 unit=_("uren"),
                 intro=_("Uren op de klok, weekenden en wachttijd meegeteld; de termijnen hieronder tellen werkuren."))


# --- which report a user gets ------------------------------------------------------------------------

def report_for(user, period: Period) -> tuple[str, list[Table]]:
    """The report of the user's role: (title, tables)."""
    kind, role = str(user.organisation.kind), user.role_enum
    if kind == OrgKind.AGENCY and role == Role.LEAD:
        return _("Rapportage voor de leiding"), agency_report(user.organisation_id, period)
    if kind == OrgKind.AGENCY and role == Role.SECOND_LINE:
        return _("Rapportage tweede lijn"), second_line_report(user.organisation_id, period)
    if kind == OrgKind.MUNICIPALITY and role in (Role.LEAD, Role.COORDINATOR):
        return _("Rapportage van de gemeente"), municipality_report(user.organisation_id, period)
    return _("Rapportage"), []

