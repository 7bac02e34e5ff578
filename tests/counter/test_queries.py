"""Templates do no queries: the counter's and the courses' pages make the same number of SQL
queries with more data."""
from __future__ import annotations

from sqlalchemy import event

from counter.services import mark_no_show
from courses import services as course_services
from courses.models import Course
from extensions import db
from referrals.models import Referral
from tests.counter.conftest import booked, checked_in, plan


def _queries(client, url):
    statements = []

    def before(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def _add(town, course, n, start):
    for i in range(start, start + n):
        appointment = checked_in(town, name=f"Inwoner {i}", phone=f"06 4000{i:04d}", slot_index=0)
        course_services.enrol(db.session.get(Referral, appointment.referral_id), db.session.get(Course, course.id),
                              actor=town.counter)
        mark_no_show(booked(town, name=f"Niet gekomen {i}", phone=f"06 5000{i:04d}", slot_index=0),
                     actor=town.counter)


def test_counter_and_course_pages_do_not_grow_with_data(town, client, login, post_form):
    course = plan(town, capacity=3)
    _add(town, course, 2, 0)
    login(client, town.coordinator)
    urls = ["/balie/daglijst", "/balie/taken", "/cursussen", f"/cursussen/{course.id}", "/gemeente/maatjes",
            "/gemeente/vertraagd"]
    before = [_queries(client, url) for url in urls]
    _add(town, course, 6, 2)  # fills the course and a waiting list
    after = [_queries(client, url) for url in urls]
    assert before == after, (before, after)
