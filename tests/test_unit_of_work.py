"""One way to save: the unit of work (extensions.unit_of_work) owns every transaction; nested
service calls cannot commit or roll back their caller's work; a refusal is recorded in a unit of
work of its own; a DomainError that escapes a view is a clear message, never a 500."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from accounts.models import Organisation
from accounts.policy import public
from extensions import DomainError, db, durably, job_step, unit_of_work
from tests.privacy.lines import log_rows

ROOT = Path(__file__).resolve().parent.parent
# Every module of ours except the primitive itself; tests, benchmarks and migrations are not the app.
SKIP = {"extensions/__init__.py"}
SKIP_DIRS = {"tests", "bench", "migrations", ".venv", "instance", "node_modules"}
TRANSACTION_CALL = re.compile(r"\.\s*(commit|rollback)\s*\(|\bcommit\s*=")


def _our_modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP_DIRS or rel.parts[0].startswith(".") or str(rel) in SKIP:
            continue
        yield rel, path


def test_no_module_commits_or_rolls_back_itself():
    offenders = []
    for rel, path in _our_modules():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            if TRANSACTION_CALL.search(code):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert list(_our_modules()), "the scan found no modules"
    assert not offenders, "use extensions.unit_of_work / job_step instead:\n" + "\n".join(offenders)


def _names():
    db.session.expire_all()
    return sorted(db.session.execute(select(Organisation.name)).scalars())


def _add(name):
    db.session.add(Organisation(name=name, kind="agency"))
    db.session.flush()


@unit_of_work()
def _failing_service(name):
    """A service that writes, then refuses."""
    _add(name)
    raise DomainError("nee")


def test_a_nested_failure_the_caller_catches_undoes_only_the_nested_work(app):
    with unit_of_work():
        _add("caller")
        with pytest.raises(DomainError):
            _failing_service("nested")
        _add("caller after")
    assert _names() == ["caller", "caller after"]


def test_a_nested_failure_cannot_commit_the_callers_partial_work(app):
    with pytest.raises(DomainError):
        with unit_of_work():
            _add("caller, half done")
            _failing_service("nested")
            _add("never reached")
    assert _names() == []


def test_a_nested_success_does_not_commit_before_the_caller_ends(app):
    @unit_of_work()
    def nested_ok():
        _add("nested")

    with pytest.raises(RuntimeError):
        with unit_of_work():
            nested_ok()
            raise RuntimeError("the caller fails after the nested call returned")
    assert _names() == []


def test_a_real_nested_service_joins_the_callers_unit_of_work(app, factory):
    from accounts.services import save_organisation
    admin = factory.user("admin")
    with pytest.raises(RuntimeError):
        with unit_of_work():
            save_organisation(None, name="Nieuwe gemeente", kind="municipality", active=True, actor=admin)
            raise RuntimeError("the caller fails")
    assert "Nieuwe gemeente" not in _names()


def test_a_job_step_refuses_to_be_nested(app):
    with unit_of_work():
        with pytest.raises(RuntimeError):
            with job_step():
                pass


def test_durable_work_survives_the_rollback_of_the_unit_of_work_it_was_asked_in(app):
    with pytest.raises(DomainError):
        with unit_of_work():
            _add("rolled back")
            durably(lambda: _add("kept"))
            raise DomainError("nee")
    assert _names() == ["kept"]


def test_a_domain_error_that_escapes_a_view_is_a_clear_message_and_saves_nothing(app, client, factory, login):
    def refusing():
        _add("half done")
        raise DomainError("Deze verwijzing is al gesloten.")

    app.add_url_rule("/test/weigeren", "test_refusing", public(refusing), methods=["GET"])
    response = client.get("/test/weigeren")
    assert response.status_code == 422
    assert "Deze verwijzing is al gesloten." in response.get_data(as_text=True)
    assert "half done" not in _names()


def test_a_refused_foreign_id_is_logged_although_the_404_rolls_the_request_back(app, client, factory, login):
    own = factory.org("municipality")
    other = factory.org("municipality")
    coordinator = factory.user("coordinator", own)
    from referrals.models import Location
    foreign = Location(municipality_id=other.id, name="Elders", street="Straat 1", postcode="1234 AB",
                       city="Elders", phone="0301234567", slot_minutes=30, counters=1)
    db.session.add(foreign)
    db.session.commit()
    login(client, coordinator)
    before = len(log_rows(action="access_refused"))
    assert client.get(f"/gemeente/locaties/{foreign.id}").status_code == 404
    db.session.expire_all()
    entries = log_rows(action="access_refused")
    assert len(entries) == before + 1
    assert f"Location {foreign.id}" in entries[-1].detail and entries[-1].actor_id == coordinator.id
