"""The migrations, up to head, build exactly the schema the models describe, on SQLite and on PostgreSQL.
(The PostgreSQL-only append-only trigger of migration 0001 is tested in tests/privacy.)"""
from __future__ import annotations

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, inspect

from app import create_app
from extensions import db
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parents[1]


def _tables(conn) -> dict:
    """The tables as the migrations left them (reflected, not the models)."""
    meta = MetaData()
    meta.reflect(bind=conn)
    return meta.tables


def _diff() -> list:
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)


def test_migrations_match_the_models_and_go_down_again(empty_database):
    app = create_app(base_config(empty_database))
    with app.app_context():
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        [head] = script.get_heads()  # one line of migrations, no branch left behind
        files = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
        assert len(list(script.walk_revisions())) == len(files), f"a migration file is not on the way to head: {files}"
        upgrade(revision="head")
        with db.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == (head,)
        diff = _diff()
        assert diff == [], f"models and migrations (at head {head}) differ: {diff}"
        for _step in range(3):  # the comparison does see a schema that lacks a migration (a data
            downgrade(revision="-1")  # migration, such as 0018, changes none: one further down)
            if _diff():
                break
        assert _diff() != [], "the comparison found no difference without the last schema migrations"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_the_shared_record_migration_moves_the_data_both_ways(empty_database):
    """0005: the former list's pending items become tasks, codes come from the outcome and the
    latest enrolment, comma-separated codes become rows; and all of it goes back down again."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    app = create_app(base_config(empty_database))
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            t = _tables(conn)

            def put(table, **values):
                conn.execute(t[table].insert().values(**values))

            put("organisation", id=1, name="Gemeente Utrecht", kind="municipality", active=True, created_at=now)
            put("organisation", id=2, name="Belastingdienst", kind="agency", active=True, created_at=now)
            put("user_account", id=1, email="a@x.nl", name="Agent", role="agent", organisation_id=2,
                password_hash="x", active=True, must_change_password=False, session_token="t", failed_logins=0,
                totp_enabled=False, created_at=now)
            put("location", id=1, municipality_id=1, name="Stadskantoor", street="Stadsplein 1", postcode="3511 AA",
                city="Utrecht", phone="030 123 4567", slot_minutes=30, counters=1, what_to_bring="Uw paspoort",
                active=True)
            # (channel, phone, appointment status, starts in days, cancelled_by, notified, seen)
            cases = [("letter", "+31301234567", "booked", 30, None, False, False),     # 1: letter to send
                     ("phone", "+31307654321", "booked", 30, None, True, False),       # 2: already called
                     ("sms", "+31612345678", "cancelled", 30, "citizen", False, False),  # 3: AFZEGGEN not seen
                     ("phone", "+31307654322", "booked", -3, None, False, False),      # 4: over
                     ("sms", "+31612345679", "cancelled", 30, "citizen", False, True)]  # 5: seen
            for i, (channel, phone, status, days, by, notified, seen) in enumerate(cases, start=1):
                starts = now + timedelta(days=days, hours=i)
                put("citizen", id=i, name=f"Inwoner {i}", phone_e164=phone, phone_is_mobile=phone.startswith("+316"),
                    postcode="3512 AB", house_number="1", street="Kanaalweg", city="Utrecht", channel=channel,
                    language="nl", reads_poorly=False, hard_of_hearing=False, needs_interpreter=False,
                    brings_helper=False, helper_name="", helper_relation="", helper_phone_e164="", created_at=now)
                put("referral", id=i, citizen_id=i, referring_org_id=2, referred_by_id=1, municipality_id=1,
                    owner_org_id=1, status="booked", categories="digid_apply,machtigen" if i == 1 else "aow",
                    reason="no_device", notes="", consent_at=now, consent_by_id=1,
                    outcome_line="Deels geholpen; op de wachtlijst voor cursus Digisterker" if i == 2 else None,
                    created_at=now, updated_at=now)
                put("slot", id=i, location_id=1, municipality_id=1, starts_at=starts,
                    ends_at=starts + timedelta(minutes=30), capacity=1, booked=1 if status == "booked" else 0)
                put("appointment", id=i, referral_id=i, slot_id=i, location_id=1, municipality_id=1, starts_at=starts,
                    status=status, channel=channel, booked_at=now - timedelta(days=1), booked_by_id=1,
                    notified_at=now if notified else None, notified_by_id=1 if notified else None,
                    cancelled_at=now if by else None, cancelled_by=by, cancel_seen_at=now if seen else None)
            put("counter_outcome", id=1, referral_id=2, municipality_id=1, actions="explained,digid_apply",
                minutes=20, result="partly", solution="course", other_support="", escalation_need="", notes="",
                recorded_at=now, recorded_by_id=1)
            put("course", id=1, municipality_id=1, location_id=1, title="Digisterker", capacity=1, taken=0,
                intake_note="", created_at=now, created_by_id=1)
            put("course_enrolment", id=1, course_id=1, referral_id=2, municipality_id=1, status="cancelled",
                created_at=now, created_by_id=1)
            put("course_enrolment", id=2, course_id=1, referral_id=2, municipality_id=1, status="waiting",
                created_at=now, created_by_id=1)
            put("counter_task", id=7, municipality_id=1, referral_id=4, kind="call", reason="no_show",
                description="Bel terug.", dedup_key="appointment:4:no_show:callback", created_at=now)

        upgrade(revision="0005")
        with db.engine.begin() as conn:
            t = _tables(conn)
            tasks = {(r.appointment_id, r.reason): r for r in conn.execute(select(t["task"]))}
            assert set(tasks) == {(None, "no_show"), (1, "appointment_confirmation"), (3, "cancelled_by_citizen")}
            assert tasks[(None, "no_show")].id == 7 and tasks[(None, "no_show")].referral_id == 4
            letter = tasks[(1, "appointment_confirmation")]
            assert letter.kind == "letter" and letter.done_at is None and letter.referral_id == 1
            assert "Stadskantoor" in letter.description and "Uw paspoort" in letter.description
            assert tasks[(3, "cancelled_by_citizen")].kind == "call"
            assert "Inwoner 3" in tasks[(3, "cancelled_by_citizen")].description
            conn.execute(t["task"].insert().values(municipality_id=1, kind="call", reason="other", description="x",
                                                   created_at=now))  # the ids go on after the copied ones
            assert max(conn.execute(select(t["task"].c.id)).scalars()) > 7
            conn.execute(t["task"].update().where(t["task"].c.id == letter.id).values(done_at=now, done_by_id=1))
            assert sorted(conn.execute(select(t["referral_category"].c.code)
                                       .where(t["referral_category"].c.referral_id == 1)).scalars()) == [
                "digid_apply", "machtigen"]
            assert sorted(conn.execute(select(t["counter_outcome_action"].c.code)).scalars()) == [
                "digid_apply", "explained"]
            codes = conn.execute(select(t["referral"].c.result_code, t["referral"].c.solution_code,
                                        t["referral"].c.step_code).where(t["referral"].c.id == 2)).one()
            assert tuple(codes) == ("partly", "course", "course_waiting")
            assert "outcome_line" not in t["referral"].c and "notified_at" not in t["appointment"].c

        downgrade(revision="0004")
        with db.engine.begin() as conn:
            t = _tables(conn)
            assert "task" not in t and "referral_category" not in t
            kept = [(r.id, r.reason) for r in conn.execute(select(t["counter_task"]).order_by(t["counter_task"].c.id))]
            assert kept == [(7, "no_show"), (10, "other")]  # the tasks of the former list are columns again
            referral = {r.id: r for r in conn.execute(select(t["referral"]))}
            assert referral[1].categories == "digid_apply,machtigen" and referral[3].categories == "aow"
            assert referral[2].outcome_line == "Deels geholpen; op de wachtlijst voor cursus Digisterker"
            assert conn.execute(select(t["counter_outcome"].c.actions)).scalar_one() == "digid_apply,explained"
            appointment = {r.id: r for r in conn.execute(select(t["appointment"]))}
            assert appointment[1].notified_at is not None and appointment[1].notified_by_id == 1  # the letter was sent
            assert appointment[3].cancel_seen_at is None
        db.engine.dispose()


def test_the_buddy_tasks_lose_their_copy_of_the_buddys_name(empty_database):
    """0018: a letter citizen's tasks about a buddy written before kept the volunteer's first name
    (where an erasure did not reach it); the migration refers them to the pairing instead."""
    from datetime import UTC, datetime

    from sqlalchemy import select, text

    app = create_app(base_config(empty_database))
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        upgrade(revision="0017")
        with db.engine.begin() as conn:
            t = _tables(conn)
            conn.execute(t["organisation"].insert().values(id=1, name="Gemeente Utrecht", kind="municipality",
                                                           active=True, created_at=now, sms_name=""))
            old = [
                (1, "call", "buddy_pairing:5:citizen:task",
                 "Bel de inwoner: Anna wordt het maatje; eerste bezoek 3-12 om 10:00.", None, None),
                (2, "letter", "buddy_pairing:5:ended:citizen:task",
                 "Uw maatje Anna komt niet meer. Vragen? Bel ons op 030 123 4567.", "buddy_ended",
                 {"location_id": None, "phone": "030 123 4567", "name": "Anna"}),
                (3, "letter", "buddy_pairing:6:citizen:task",
                 "Goed nieuws: Anna wordt uw maatje. Het eerste bezoek is op donderdag 3 december. Anna belt u "
                 "vooraf. Vragen? Bel ons op 030 123 4567.", "buddy_paired",
                 {"location_id": None, "phone": "030 123 4567", "name": "Anna", "at": now.isoformat()}),
                (4, "call", "buddy_pairing:6:ended:citizen:task",
                 "Bel de inwoner: de koppeling met maatje Anna is beëindigd.", None, None),
                (5, "call", "appointment:9:no_show:task", "Anna belt u vooraf.", None, None),  # not a buddy's
                # The oldest forms: the call named the citizen too, the letter was stored text.
                (6, "call", "buddy_pairing:7:citizen:task",
                 "Bel Jan de Vries: Anna wordt het maatje; eerste bezoek 3-12 om 10:00.", None, None),
                (7, "call", "buddy_pairing:7:ended:citizen:task",
                 "Bel Jan de Vries: de koppeling met maatje Anna is beëindigd.", None, None),
                (8, "letter", "buddy_pairing:8:ended:citizen:task",
                 "De koppeling met uw maatje Anna is beëindigd. Vragen? Bel ons op 030 123 4567.", None, None),
            ]
            for task_id, kind, key, words, letter, values in old:
                row = dict(id=task_id, municipality_id=1, kind=kind, reason="other", description=words,
                           dedup_key=key, letter=letter, created_at=now)
                conn.execute(t["task"].insert().values(**row, **({"letter_values": values} if values else {})))
            nulls = conn.execute(text("SELECT count(*) FROM task WHERE letter_values IS NULL")).scalar_one()
        upgrade(revision="0018")
        with db.engine.begin() as conn:
            rows = {r.id: r for r in conn.execute(select(_tables(conn)["task"]))}
        assert rows[1].description == ("Bel de inwoner: er is een maatje gekoppeld; eerste bezoek 3-12 om 10:00. "
                                       "Naam en telefoon van het maatje staan bij de koppeling.")
        assert rows[2].description == "Uw maatje komt niet meer. Vragen? Bel ons op 030 123 4567."
        assert rows[3].description == ("Goed nieuws: u krijgt een maatje. Het eerste bezoek is op donderdag 3 december. "
                                       "Uw maatje belt u vooraf. Vragen? Bel ons op 030 123 4567.")
        assert rows[4].description == "Bel de inwoner: de koppeling met het maatje is beëindigd."
        assert rows[5].description == "Anna belt u vooraf."
        assert rows[6].description == rows[1].description
        assert rows[7].description == rows[4].description
        assert rows[8].description == "De koppeling met uw maatje is beëindigd. Vragen? Bel ons op 030 123 4567."
        with db.engine.connect() as conn:  # SQL NULL stays NULL (not JSON null)
            assert conn.execute(text("SELECT count(*) FROM task WHERE letter_values IS NULL")).scalar_one() == nulls == 6
        values = {i: rows[i].letter_values if isinstance(rows[i].letter_values, dict) else json.loads(rows[i].letter_values)
                  for i in (2, 3)}
        assert values[2] == {"location_id": None, "phone": "030 123 4567", "pairing_id": 5}
        assert values[3]["pairing_id"] == 6 and "name" not in values[3]
        db.engine.dispose()
