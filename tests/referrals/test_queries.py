"""Templates do no queries: the pages make the same number of SQL queries with more data."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from extensions import db
from referrals.services import book, free_slots
from tests.referrals.conftest import make_location, make_referral


@contextmanager
def counting():
    statements: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _queries(client, url):
    with counting() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def _add(world, n, start=0):
    for i in range(start, start + n):
        referral = make_referral(world.agent, name=f"Inwoner {i}", phone=f"06 3000{i:04d}")
        book(referral, free_slots(world.municipality.id, limit=1)[0].id, actor=world.agent)


def test_lists_and_booking_page_do_not_grow_with_data(world, client, login):
    make_location(world.municipality, name="Wijkbureau Noord")
    _add(world, 2)
    target = make_referral(world.agent, name="Doel")
    login(client, world.agent)
    urls = ["/verwijzingen", f"/verwijzingen/{target.id}/afspraak", f"/verwijzingen/{target.id}"]
    before = [_queries(client, url) for url in urls]
    _add(world, 12, start=2)
    make_location(world.municipality, name="Wijkbureau Zuid")
    after = [_queries(client, url) for url in urls]
    assert before == after, (before, after)
    print("queries per page", dict(zip(urls, after, strict=True)))
    counter = client.application.test_client()
    from tests.conftest import _login
    _login(counter, world.counter)
    page = counter.get("/gemeente/verwijzingen").get_data(as_text=True)
    assert len(re.findall(r"Inwoner \d+", page)) == 14
    assert _queries(counter, "/balie/taken") == _queries(counter, "/balie/taken")  # the one work list


def test_the_booking_page_and_post_do_only_the_essential_statements(world, client, login):
    """Issue 16: at most 6 statements for the booking page and 10 for the booking POST, the same
    on both databases (SQLite's explicit BEGIN is not counted: PostgreSQL's driver sends its own)."""
    from tests.conftest import csrf_from
    target = make_referral(world.agent, name="Doel").id
    login(client, world.agent)
    with counting() as page_statements:
        page = client.get(f"/verwijzingen/{target}/afspraak")
    slot = re.search(r'name="slot" id="slot-(\d+)"', page.get_data(as_text=True)).group(1)
    with counting() as post_statements:
        done = client.post(f"/verwijzingen/{target}/afspraak", data={"slot": slot, "csrf_token": csrf_from(page)})
    assert done.status_code == 302
    page_statements = [s for s in page_statements if not s.startswith("BEGIN")]
    post_statements = [s for s in post_statements if not s.startswith("BEGIN")]
    assert len(page_statements) <= 6, "\n".join(s[:120] for s in page_statements)
    assert len(post_statements) <= 10, "\n".join(s[:120] for s in post_statements)
    writes = [" ".join(s.replace("INTO ", "").split()[:2]) for s in post_statements
              if s.startswith(("INSERT", "UPDATE"))]
    assert writes == ["UPDATE slot", "INSERT appointment", "UPDATE referral", "INSERT referral_status_change",
                      "INSERT sms_message", "INSERT processing_audit", "INSERT processing_log_line"], writes
    assert not [s for s in post_statements if s.startswith(("SAVEPOINT", "RELEASE"))]
