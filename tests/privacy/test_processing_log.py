from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from privacy.models import ProcessingLogEntry
from privacy.services import record


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


def test_append_only_holds_in_the_database_itself_on_postgres(app, factory):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger is created by the PostgreSQL migration")
    # The test schema comes from create_all; install the migration's trigger the same way.
    from sqlalchemy import text
    with db.engine.begin() as conn:
        conn.execute(text("""
            CREATE OR REPLACE FUNCTION processing_log_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'processing_log is append-only'; END $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS processing_log_append_only ON processing_log;
            CREATE TRIGGER processing_log_append_only BEFORE UPDATE OR DELETE ON processing_log
            FOR EACH ROW EXECUTE FUNCTION processing_log_append_only();"""))
    record("view", "citizen", 1, "test", actor=factory.user("counter"))
    db.session.commit()
    from sqlalchemy.exc import DBAPIError
    with pytest.raises(DBAPIError), db.engine.begin() as conn:
        conn.execute(text("UPDATE processing_log SET purpose = 'x'"))
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER processing_log_append_only ON processing_log"))


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
