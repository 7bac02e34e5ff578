"""Dutch time: Europe/Amsterdam days, public holidays, working days, and the date formats shown to
people. Stored times are UTC (extensions.UTCDateTime); everything here turns them into local days.

Two calendars, decided per use:
- Opening days (slots): closed on the public holidays of `holidays` (NL, category PUBLIC; 5 May
  only in the lustrum years, as the law has it). A coordinator closes other days by hand.
- Working days (deadlines: the stale sweep, service levels): the public holidays and the OPTIONAL
  ones (5 May every year). Civil servants of municipalities and the Rijk have 5 May off every year,
  and a deadline must not fall due on a day the people who meet it are not at work.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import flask_babel
import holidays
from babel.dates import format_date, format_datetime
from flask_babel import lazy_gettext as _l

from extensions import clock

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@lru_cache(maxsize=32)
def _holidays(year: int, categories: tuple[str, ...]) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year, categories=categories).keys())


def is_public_holiday(day: date) -> bool:
    """A day the counters are closed by themselves (no slots)."""
    return day in _holidays(day.year, (holidays.PUBLIC,))


def holiday_name(day: date) -> str | None:
    """The Dutch name of a public or optional holiday, or None."""
    return holidays.country_holidays("NL", years=day.year, language="nl",
                                     categories=(holidays.PUBLIC, holidays.OPTIONAL)).get(day)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and no public or optional holiday (5 May counts as a day off every year)."""
    return day.weekday() < 5 and day not in _holidays(day.year, (holidays.PUBLIC, holidays.OPTIONAL))


def working_days_before(moment: datetime, days: int) -> datetime:
    """The same Amsterdam clock time `days` working days earlier."""
    local = moment.astimezone(AMSTERDAM)
    day = local.date()
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, local.time(), AMSTERDAM).astimezone(moment.tzinfo)


def local_today() -> date:
    return clock.now().astimezone(AMSTERDAM).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a local (Amsterdam) day begins and ends."""
    start = datetime.combine(day, datetime.min.time(), AMSTERDAM).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), AMSTERDAM).astimezone(UTC)
    return start, end


def local_day_start(moment: datetime) -> datetime:
    """The UTC instant at which the Amsterdam day of `moment` begins (local midnight)."""
    return local_day_bounds(local_date(moment))[0]


# --- formats shown to people ------------------------------------------------------------------------
# Pages use these names through the `when` and `day` template filters (app.py), Python code through
# `when()` and `day()` below, both in the interface language; stored Dutch text (history notes, task
# texts) and SMS values use the stored_* and sms_* functions. No pattern is written anywhere else.
FORMATS = {
    "time": "HH:mm",  # 10:30
    "long": _l("EEEE d MMMM y 'om' HH:mm"),  # woensdag 2 december 2026 om 10:30
    "weekday": _l("EEEE d MMMM 'om' HH:mm"),  # woensdag 2 december om 10:30
    "weekday_time": "EEEE d MMMM HH:mm",  # woensdag 2 december 10:30 (choice lists)
    "full_day_time": "EEEE d MMMM y, HH:mm",  # woensdag 2 december 2026, 10:30
    "full_day": "EEEE d MMMM y",  # woensdag 2 december 2026
    "list": "EEE d MMM HH:mm",  # wo 2 dec. 10:30 (lists)
    "list_year": "EEE d MMM y HH:mm",  # wo 2 dec. 2026 10:30
    "stamp": "d MMM y HH:mm",  # 2 dec. 2026 10:30 (logs)
    "stamp_long": "d MMMM y HH:mm",  # 2 december 2026 10:30 (history)
    "day_time": "d MMMM HH:mm",  # 2 december 10:30
    "short_time": "d MMM HH:mm",  # 2 dec. 10:30
    "date": "d MMM y",  # 2 dec. 2026
    "date_long": "d MMMM y",  # 2 december 2026
    "day_month": "d MMM",  # 2 dec.
    "iso": "yyyy-MM-dd",  # values of date inputs
    "short": "short",  # Babel's own short form: 02-12-2026 10:30
}
DAY_FORMATS = {
    "long": "EEEE d MMMM y",  # woensdag 2 december 2026
    "weekday": "EEEE d MMMM",  # woensdag 2 december (SMS)
    "short": "EEE d MMM y",  # wo 2 dec. 2026
    "date": "d MMMM y",  # 2 december 2026
    "compact": "d MMM y",  # 2 dec. 2026
}


def when(moment: datetime, name: str = "long") -> str:
    """A moment in Amsterdam time and the interface language, in one of the FORMATS."""
    pattern = FORMATS[name]
    if name == "time":  # the same in every language; Babel would cost a tenth of the slot picker
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # naive means UTC, as for Babel
        return aware.astimezone(AMSTERDAM).strftime("%H:%M")
    return flask_babel.format_datetime(moment, str(pattern) if pattern != "short" else "short")


def day(value: date, name: str = "long") -> str:
    """A date in the interface language, in one of the DAY_FORMATS."""
    return flask_babel.format_date(value, DAY_FORMATS[name])


@lru_cache(maxsize=1024)  # a slot's moment: Babel's formatting is a few percent of a booking
def stored_when(moment: datetime) -> str:
    """'woensdag 2 december om 10:30' in Dutch, for text stored in the history (written outside
    requests too, and read in any interface language)."""
    return format_datetime(moment, "EEEE d MMMM 'om' HH:mm", tzinfo=AMSTERDAM, locale="nl")


def stored_day_time(moment: datetime) -> str:
    """'2 december 2026 om 10:30' in Dutch, for stored task and letter texts."""
    return format_datetime(moment, "d MMMM y 'om' HH:mm", tzinfo=AMSTERDAM, locale="nl")


def stored_stamp(moment: datetime) -> str:
    """'10-09-2026 10:30' (Amsterdam), for short stored texts such as a task's description."""
    return format_datetime(moment, "dd-MM-y HH:mm", tzinfo=AMSTERDAM, locale="nl")


def stored_date(day: date, language: str = "nl") -> str:
    """'2 december 2026' in the given language (Dutch by default), for stored text and SMS values."""
    return format_date(day, DAY_FORMATS["date"], locale=language)


def sms_date_time(moment: datetime, language: str) -> dict[str, str]:
    """The date and time values of an SMS in the citizen's language: 'donderdag 10 september', '10:30'."""
    local = moment.astimezone(AMSTERDAM)
    return {"date": _weekday_date(local.date(), language), "time": local.strftime("%H:%M")}


@lru_cache(maxsize=512)
def _weekday_date(day: date, language: str) -> str:
    return format_date(day, DAY_FORMATS["weekday"], locale=language)


# --- working time (the second line's service levels) ------------------------------------------------------
# Working hours are 09:00 to 17:00 Europe/Amsterdam on working days (the calendar above: no weekend,
# no public or optional holiday, so Good Friday and 5 May are off every year), minus the days an
# organisation closes itself (`closed_days`). Pure functions: the service levels are computed from
# them and the status history, never from stored counters.
WORK_STARTS = time(9)
WORK_ENDS = time(17)


def working_periods(start: datetime, closed_days: frozenset[date] = frozenset()):
    """The working periods (begin, end) in UTC from `start` on, the first one clipped to `start`."""
    day = local_date(start)
    for _ in range(3660):  # ten years of days: a calendar closed for longer is a mistake
        if is_working_day(day) and day not in closed_days:
            begin = datetime.combine(day, WORK_STARTS, AMSTERDAM).astimezone(UTC)
            end = datetime.combine(day, WORK_ENDS, AMSTERDAM).astimezone(UTC)
            if end > start:
                yield max(begin, start), end
        day += timedelta(days=1)


def working_seconds_between(start: datetime, end: datetime, closed_days: frozenset[date] = frozenset()) -> int:
    """Seconds of working time between two moments (0 when `end` is not after `start`)."""
    if end <= start:
        return 0
    total = 0.0
    for begin, stop in working_periods(start, closed_days):
        if begin >= end:
            break
        total += (min(stop, end) - begin).total_seconds()
    return int(total)


def add_working_time(start: datetime, seconds: float, closed_days: frozenset[date] = frozenset()) -> datetime:
    """The moment at which `seconds` of working time after `start` have passed. A deadline that
    uses up a day ends at 17:00 that day, not at 09:00 the next working day."""
    remaining = max(0.0, float(seconds))
    if remaining == 0:
        return start.astimezone(UTC)
    for begin, end in working_periods(start, closed_days):
        span = (end - begin).total_seconds()
        if remaining <= span:
            return (begin + timedelta(seconds=remaining)).astimezone(UTC)
        remaining -= span
    raise ValueError("no working time within ten years")
