"""Dutch time in one place (extensions.dates): the two calendars and the Amsterdam day."""
from __future__ import annotations

from datetime import UTC, date, datetime

from extensions.dates import (
    holiday_name,
    is_public_holiday,
    is_working_day,
    local_day_bounds,
    local_day_start,
    sms_date_time,
    stored_when,
    working_days_before,
)


def test_liberation_day_is_a_day_off_for_deadlines_every_year_but_closes_counters_only_in_lustrum_years():
    assert not is_working_day(date(2026, 5, 5))  # a Tuesday
    assert not is_public_holiday(date(2026, 5, 5))  # the counters open: slots are offered
    assert is_public_holiday(date(2025, 5, 5))
    assert holiday_name(date(2026, 5, 5)) == "Bevrijdingsdag"


def test_good_friday_and_kings_day_are_no_working_days():
    assert not is_working_day(date(2026, 4, 3))  # Goede Vrijdag
    assert not is_working_day(date(2026, 4, 27))  # Koningsdag, a Monday
    assert is_working_day(date(2026, 4, 28))


def test_a_deadline_counts_past_liberation_day():
    # Thursday 7 May 2026, 10:00 local, minus 3 working days: 6, (5 May off), 4, 1 May.
    moment = datetime(2026, 5, 7, 8, 0, tzinfo=UTC)  # summer time: UTC+2
    assert working_days_before(moment, 3).date() == date(2026, 5, 1)


def test_local_days_follow_amsterdam_summer_time():
    start, end = local_day_bounds(date(2026, 3, 29))  # the clocks go forward: a day of 23 hours
    assert (end - start).total_seconds() == 23 * 3600
    assert local_day_start(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_formats_for_stored_text_and_sms_are_dutch_or_the_citizens_language():
    moment = datetime(2026, 9, 10, 8, 30, tzinfo=UTC)
    assert stored_when(moment) == "donderdag 10 september om 10:30"
    assert sms_date_time(moment, "nl") == {"date": "donderdag 10 september", "time": "10:30"}
    assert sms_date_time(moment, "en")["date"] == "Thursday 10 September"


def test_pages_name_their_date_formats_instead_of_writing_patterns():
    from pathlib import Path
    templates = Path(__file__).resolve().parent.parent / "templates"
    raw = [f"{p.relative_to(templates)}: {line.strip()}" for p in sorted(templates.rglob("*.html"))
           for line in p.read_text(encoding="utf-8").splitlines() if "datetimeformat(" in line or "dateformat(" in line]
    assert list(templates.rglob("*.html")) and not raw, raw


def test_every_named_format_renders_in_dutch_and_english(app):
    from flask_babel import force_locale

    from extensions.dates import DAY_FORMATS, FORMATS, day, when
    moment = datetime(2026, 9, 10, 8, 30, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("nl"):
            assert when(moment, "long") == "donderdag 10 september 2026 om 10:30"
            assert all(when(moment, name) for name in FORMATS)
            assert day(moment.date(), "long") == "donderdag 10 september 2026"
            assert all(day(moment.date(), name) for name in DAY_FORMATS)
        with force_locale("en"):
            assert when(moment, "long") == "Thursday 10 September 2026 at 10:30"
