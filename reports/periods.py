"""The period a report covers: a calendar month, quarter or year, or chosen days (from/to).

A period is a half-open range of local (Amsterdam) days [start, end); its UTC bounds come from
extensions.dates, so a day that starts at midnight in Amsterdam starts there in every report. The
previous period has the same kind (the month, quarter or year before) or the same number of days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from extensions.dates import day, local_day_bounds, local_today

KINDS = ("month", "quarter", "year", "custom")
# A chosen period may span at most this many days (a year and a leap day): longer asks a year report.
MAX_CUSTOM_DAYS = 366
EARLIEST_YEAR = 2020


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first day
    end: date  # the day after the last day

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """UTC instants: the start of the first local day, the start of the day after the last."""
        return local_day_bounds(self.start)[0], local_day_bounds(self.end)[0]

    @property
    def key(self) -> str:
        """How the period is written in a file name and an address."""
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-K{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}_{self.last_day.isoformat()}"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(month)s %(year)s", month=MONTHS[self.start.month - 1], year=self.start.year)
        if self.kind == "quarter":
            return _("kwartaal %(q)s van %(year)s", q=(self.start.month - 1) // 3 + 1, year=self.start.year)
        if self.kind == "year":
            return str(self.start.year)
        return _("%(start)s tot en met %(end)s", start=day(self.start, "date"), end=day(self.last_day, "date"))

    def previous(self) -> Period:
        if self.kind == "month":
            return month(*_add_months(self.start.year, self.start.month, -1))
        if self.kind == "quarter":
            return quarter_of(_add_months(self.start.year, self.start.month, -3))
        if self.kind == "year":
            return year(self.start.year - 1)
        days = (self.end - self.start).days
        return Period("custom", self.start - timedelta(days=days), self.start)


MONTHS = [_l("januari"), _l("februari"), _l("maart"), _l("april"), _l("mei"), _l("juni"), _l("juli"),
          _l("augustus"), _l("september"), _l("oktober"), _l("november"), _l("december")]


def _add_months(y: int, m: int, delta: int) -> tuple[int, int]:
    index = y * 12 + (m - 1) + delta
    return index // 12, index % 12 + 1


def month(y: int, m: int) -> Period:
    ny, nm = _add_months(y, m, 1)
    return Period("month", date(y, m, 1), date(ny, nm, 1))


def quarter(y: int, q: int) -> Period:
    first = (q - 1) * 3 + 1
    ny, nm = _add_months(y, first, 3)
    return Period("quarter", date(y, first, 1), date(ny, nm, 1))


def quarter_of(ym: tuple[int, int]) -> Period:
    return quarter(ym[0], (ym[1] - 1) // 3 + 1)


def year(y: int) -> Period:
    return Period("year", date(y, 1, 1), date(y + 1, 1, 1))


def completed_quarters(count: int = 8) -> list[Period]:
    """The last `count` calendar quarters that have ended, newest first: the only periods the client
    council sees (fixed and non-overlapping, so no difference of two of them describes anyone)."""
    today = local_today()
    latest = quarter_of((today.year, today.month)).previous()
    result = [latest]
    while len(result) < count:
        result.append(result[-1].previous())
    return result


def last_years(count: int = 4) -> list[int]:
    this = local_today().year
    return [y for y in range(this, this - count, -1) if y >= EARLIEST_YEAR]
