from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from extensions import db
from privacy.models import ProcessingLogEntry
from privacy.services import record
from tests.conftest import Factory, base_config


def test_record_keeps_who_what_whom_why_and_when(app, factory):
    user = factory.user("counter")
    entry = record("view", "citizen", 7, "hulp aan de balie", actor=user)
    db.session.commit()
    stored = db.session.get(ProcessingLogEntry, entry.id)
    assert (stored.actor_name, stored.organisation_name, stored.action, stored.subject_type, stored.subject_id,
            stored.purpose) == (user.email, user.organisation.name, "view", "citizen", 7, "hulp aan de balie")
    assert stored.at.tzinfo is not None


def test_the_log_is_append_only(app, factory):
    entry = record("view", "citizen", 1, "test", actor=factory.user("counter"))
    db.session.commit()
    entry.purpose = "anders"
    with pytest.raises(RuntimeError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(RuntimeError):
        db.session.delete(entry)
        db.session.commit()
    db.session.rollback()


@pytest.mark.postgres
def test_append_only_holds_in_the_database_itself_on_postgres(empty_database):
    """The trigger that migration 0001 creates (the suite's own schema comes from create_all, without it)."""
    migrated = create_app(base_config(empty_database))
    with migrated.app_context():
        upgrade(revision="head")
        record("view", "citizen", 1, "test", actor=Factory().user("counter"))
        db.session.commit()
        for statement in ("UPDATE processing_log SET purpose = 'x'", "DELETE FROM processing_log"):
            with pytest.raises(DBAPIError, match="processing_log is append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))
        assert db.session.execute(select(ProcessingLogEntry.purpose)).scalars().all() == ["test"]
        db.session.remove()
        db.engine.dispose()


def test_admin_filters_the_log(client, factory, login):
    admin = factory.user("admin", factory.org(kind="system"))
    counter = factory.user("counter")
    record("view", "citizen", 11, "hulp", actor=counter)
    record("view", "referral", 12, "hulp", actor=counter)
    db.session.commit()
    login(client, admin)
    page = client.get("/beheer/verwerkingenlogboek?subject_type=citizen").get_data(as_text=True)
    assert "Inwoner 11" in page and "Verwijzing 12" not in page
    bad = client.get("/beheer/verwerkingenlogboek?since=2026-02-01&until=2026-01-01")
    assert "De einddatum ligt voor de begindatum." in bad.get_data(as_text=True)
    logins = db.session.execute(select(ProcessingLogEntry).where(ProcessingLogEntry.action == "login")).scalars().all()
    assert [e.actor_id for e in logins] == [admin.id]


def test_only_admins_see_the_log(client, factory, login):
    login(client, factory.user("lead"))
    assert client.get("/beheer/verwerkingenlogboek").status_code == 403
