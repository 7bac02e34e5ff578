"""The processing log in the shape of the Logboek Dataverwerkingen: a line per processing per
person with trace and operation id, an activity of the register and a keyed pseudonym; who did it
in an audit record; append-only on both databases except the log's own retention purge."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

import config
from app import create_app
from extensions import clock, db
from privacy.models import AuditRecord, LogLine
from privacy.services import log_lines_for_person, pseudonym, purge_expired_log, record, record_list_read
from tests.conftest import Factory, base_config, run_together

HEX = re.compile(r"^[0-9a-f]+$")


def _lines():
    db.session.expire_all()
    return list(db.session.execute(select(LogLine).order_by(LogLine.id)).scalars())


def _audit(operation_id):
    return db.session.execute(select(AuditRecord).where(AuditRecord.operation_id == operation_id)).scalar_one()


def test_a_line_per_person_with_trace_activity_pseudonym_and_an_audit_record(app, factory):
    user = factory.user("counter")
    operation = record("counter", "read", "citizen", 7, detail="afspraak 3", actor=user)
    db.session.commit()
    [line] = _lines()
    assert (line.activity_id, line.activity_version, line.action, line.person_type, line.status) == (
        "counter", 1, "read", "citizen", "ok")
    assert line.person == pseudonym("citizen", 7) and len(line.person) == 64
    assert len(line.trace_id) == 32 and HEX.match(line.trace_id)
    assert line.operation_id == operation and len(operation) == 16 and HEX.match(operation)
    assert line.started_at.tzinfo is not None and line.started_at <= line.ended_at
    audit = _audit(operation)
    assert (audit.actor_id, audit.actor_name, audit.organisation_name, audit.detail) == (
        user.id, user.email, user.organisation.name, "afspraak 3")
    # Each processing is an operation of its own, within the same trace here (one app context).
    second = record("counter", "update", "citizen", 7, actor=user)
    db.session.commit()
    assert second != operation and _lines()[-1].trace_id == line.trace_id


def test_no_line_without_a_known_processing_activity(app, factory):
    user = factory.user("counter")
    with pytest.raises(ValueError, match="unknown processing activity"):
        record("browsing", "read", "citizen", 7, actor=user)
    with pytest.raises(ValueError, match="unknown processing activity"):
        record_list_read("browsing", "citizen", [1, 2])
    with pytest.raises(ValueError, match="unknown subject type"):
        record("counter", "read", "gadget", 1, actor=user)
    db.session.rollback()
    assert _lines() == []
    assert db.session.execute(select(func.count()).select_from(AuditRecord)).scalar_one() == 0


def test_a_list_read_is_one_operation_with_a_line_per_person_and_nothing_for_nobody(app, factory):
    user = factory.user("coordinator")
    with app.test_request_context():
        from flask_login import login_user
        login_user(user)
        record_list_read("volunteer", "volunteer", [3, 1, 3, 2])  # a person shown twice is one line
        record_list_read("volunteer", "volunteer", [])
    db.session.commit()
    lines = _lines()
    assert sorted(line.person for line in lines) == sorted(pseudonym("volunteer", i) for i in (1, 2, 3))
    assert len({line.operation_id for line in lines}) == 1
    assert _audit(lines[0].operation_id).actor_id == user.id


def test_the_person_is_an_hmac_with_a_key_that_is_not_in_the_database(app, factory):
    record("referral", "create", "citizen", 42, actor=factory.user("agent"))
    db.session.commit()
    [line] = _lines()
    key = app.config["PROCESSING_LOG_KEY"]
    assert line.person == hmac.new(key.encode(), b"citizen:42", hashlib.sha256).hexdigest()
    stored = " ".join(str(v) for row in db.session.execute(select(LogLine.__table__, AuditRecord.__table__)
                                                            .join_from(LogLine.__table__, AuditRecord.__table__,
                                                                       LogLine.operation_id == AuditRecord.operation_id))
                      for v in row)
    assert key not in stored and "42" not in line.person
    # Another key, another pseudonym: the lines are found only with the key.
    app.config["PROCESSING_LOG_KEY"] = "another-key-" + "x" * 40
    assert pseudonym("citizen", 42) != line.person
    assert log_lines_for_person("citizen", 42) == []


def test_production_refuses_to_start_without_a_log_key(tmp_path):
    with pytest.raises(RuntimeError, match="PROCESSING_LOG_KEY must be set"):
        config.build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": "s" * 40})
    with pytest.raises(RuntimeError, match="PROCESSING_LOG_KEY is still the placeholder"):
        config.build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": "s" * 40,
                                             "PROCESSING_LOG_KEY": "change-me-to-another-64-random-hex"})
    built = config.build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": "s" * 40,
                                                 "PROCESSING_LOG_KEY": "p" * 40})
    assert built["PROCESSING_LOG_KEY"] == "p" * 40 and built["PROCESSING_LOG_RETENTION_DAYS"] == 730
    assert config.build(str(tmp_path), environ={})["PROCESSING_LOG_KEY"] == config.DEVELOPMENT_LOG_KEY


def test_a_valid_traceparent_is_accepted_and_an_invalid_one_starts_a_new_trace(app, factory):
    user = factory.user("counter")
    trace, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    with app.test_request_context(headers={"traceparent": f"00-{trace}-{parent}-01"}):
        record("counter", "read", "citizen", 1, actor=user)
        record("counter", "update", "citizen", 1, actor=user)
    for bad in (f"00-{'0' * 32}-{parent}-01", f"ff-{trace}-{parent}-01", "00-xyz", f"00-{trace.upper()}-{parent}-01"):
        with app.test_request_context(headers={"traceparent": bad}):
            record("counter", "read", "citizen", 2, actor=user)
    db.session.commit()
    lines = _lines()
    assert [(line.trace_id, line.parent_operation_id) for line in lines[:2]] == [(trace, parent)] * 2
    assert lines[0].operation_id != lines[1].operation_id  # a new span per processing
    assert all(line.trace_id != trace and line.parent_operation_id is None for line in lines[2:])
    assert len({line.trace_id for line in lines[2:]}) == 4  # every request without one: a trace of its own


def test_the_trace_goes_back_to_the_caller(client):
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = client.get("/health", headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"})
    assert re.match(rf"^00-{trace}-[0-9a-f]{{16}}-01$", response.headers["traceresponse"])
    other = client.get("/health").headers["traceresponse"]
    assert trace not in other and re.match(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", other)


def test_the_log_is_append_only_for_the_orm_and_bulk_statements(app, factory):
    record("counter", "read", "citizen", 1, actor=factory.user("counter"))
    db.session.commit()
    [line] = _lines()
    line.status = "failed"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    for statement in (delete(LogLine), update(LogLine).values(status="failed"), delete(AuditRecord),
                      update(AuditRecord).values(actor_name="x")):
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    [audit] = db.session.execute(select(AuditRecord)).scalars()
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.delete(audit)
        db.session.commit()
    db.session.rollback()
    assert len(_lines()) == 1


def _line_at(moment, person_id, user):
    clock.freeze(moment)
    record("counter", "read", "citizen", person_id, actor=user)
    db.session.commit()


@pytest.mark.config(PROCESSING_LOG_RETENTION_DAYS=30)
def test_the_purge_deletes_only_lines_past_the_log_retention_term(app, factory):
    user = factory.user("counter")
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    try:
        _line_at(now - timedelta(days=31), 1, user)
        _line_at(now - timedelta(days=30, seconds=-1), 2, user)  # one second within the term
        _line_at(now, 3, user)
    finally:
        clock.freeze(None)
    assert purge_expired_log(now) == 1
    assert [line.person for line in _lines()] == [pseudonym("citizen", 2), pseudonym("citizen", 3)]
    audits = set(db.session.execute(select(AuditRecord.operation_id)).scalars())
    assert audits == {line.operation_id for line in _lines()}  # the expired line's audit record went too
    assert purge_expired_log(now) == 0  # a second run (or a second scheduler) finds nothing more


@pytest.mark.config(PROCESSING_LOG_RETENTION_DAYS=30)
def test_two_schedulers_purging_at_once_delete_each_line_once(app, factory):
    user = factory.user("counter")
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    clock.freeze(now - timedelta(days=40))
    try:
        old = [record("counter", "read", "citizen", i, actor=user) for i in range(20)]
        db.session.commit()
    finally:
        clock.freeze(None)
    record("counter", "read", "citizen", 99, actor=user)
    db.session.commit()
    results = run_together(app, 2, lambda _i: purge_expired_log(now))
    assert all(isinstance(n, int) for n in results) and sum(results) == 20, results  # no error, none twice
    assert len(old) == 20 and [line.person for line in _lines()] == [pseudonym("citizen", 99)]


def test_the_purge_is_a_scheduler_job(app):
    import scheduler
    assert ("privacy-log-purge", "privacy.jobs:purge_log") in {(j.id, j.func) for j in scheduler.JOBS}
    scheduler.resolve("privacy.jobs:purge_log")()  # runs, and deletes nothing of today


def test_log_lines_for_person_give_who_what_why_and_when(app, factory):
    user = factory.user("counter")
    record("course", "update", "citizen", 5, actor=user)
    record("course", "update", "citizen", 6, actor=user)
    db.session.commit()
    [line] = log_lines_for_person("citizen", 5)
    assert set(line) == {"at", "end", "activity_id", "activity_name", "purpose", "status", "actor_name",
                         "organisation_name", "trace_id", "operation_id"}
    assert (line["activity_id"], line["activity_name"], line["status"], line["actor_name"],
            line["organisation_name"]) == ("course", "Cursus Digisterker", "ok", user.email, user.organisation.name)
    assert line["purpose"].startswith("De inwoner inschrijven") and line["at"] <= line["end"]


@pytest.mark.postgres
def test_append_only_holds_in_the_database_itself_on_postgres_except_the_purge(empty_database):
    """The trigger of migrations 0001 and 0011 (the suite's own schema comes from create_all, without it)."""
    migrated = create_app(base_config(empty_database))
    with migrated.app_context():
        upgrade(revision="head")
        user = Factory().user("counter")
        clock.freeze(datetime(2020, 1, 1, tzinfo=UTC))
        try:
            record("counter", "read", "citizen", 1, actor=user)
            db.session.commit()
        finally:
            clock.freeze(None)
        record("counter", "read", "citizen", 2, actor=user)
        db.session.commit()
        for table in ("processing_log_line", "processing_audit"):
            for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
                with pytest.raises(DBAPIError, match=f"{table} is append-only"), db.engine.begin() as conn:
                    conn.execute(text(statement))
            # The purge's setting lets a DELETE through, never an UPDATE; and it lasts one transaction.
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text("SET LOCAL wegwijs.log_purge = 'on'"))
                conn.execute(text(f"UPDATE {table} SET id = id"))
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL wegwijs.log_purge = 'on'"))
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM processing_log_line"))
        assert purge_expired_log(clock.now()) == 1
        assert [line.person for line in _lines()] == [pseudonym("citizen", 2)]
        assert db.session.execute(select(func.count()).select_from(AuditRecord)).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()


def test_the_migration_moves_the_old_log_roughly(empty_database):
    """0011: an old entry becomes one operation with one line; its person is the entry's citizen,
    volunteer or user (a referral's citizen), a cut-off list read a line without a person."""
    migrated = create_app(base_config(empty_database))
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    with migrated.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO organisation (id, name, kind, active, created_at) "
                              "VALUES (1, 'Gemeente Utrecht', 'municipality', true, :now)"), {"now": now})
            rows = [("login", "user", 5, "inloggen", None), ("read", "citizen", 7, "inwoner helpen aan de balie", None),
                    ("read_list", "referral_list", None, "verwijzingen bekijken", "2 getoond: 1, 2"),
                    ("access_refused", "endpoint", None, "beveiliging", "x: role")]
            for i, (action, subject_type, subject_id, purpose, detail) in enumerate(rows, start=1):
                conn.execute(text(
                    "INSERT INTO processing_log (id, at, actor_name, organisation_id, organisation_name, action, "
                    "subject_type, subject_id, purpose, detail) VALUES (:id, :at, 'a@x.nl', 1, 'Gemeente Utrecht', "
                    ":action, :st, :sid, :purpose, :detail)"),
                    dict(id=i, at=now.replace(tzinfo=None), action=action, st=subject_type, sid=subject_id,
                         purpose=purpose, detail=detail))
        upgrade(revision="0011")
        moved = [(line.activity_id, line.action, line.person_type, line.person, line.status) for line in _lines()]
        assert moved == [("account-login", "login", "user", pseudonym("user", 5), "ok"),
                         ("counter", "read", "citizen", pseudonym("citizen", 7), "ok"),
                         ("referral", "read", "none", None, "ok"),
                         ("access-security", "access_refused", "none", None, "refused")]
        details = set(db.session.execute(select(AuditRecord.detail)).scalars())
        assert {"2 getoond: 1, 2", "x: role"} <= details
        db.session.remove()
        db.engine.dispose()
