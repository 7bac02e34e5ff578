"""The migrations, up to head, build exactly the schema the models describe, on SQLite and on PostgreSQL.
(The PostgreSQL-only append-only trigger of migration 0001 is tested in tests/privacy.)"""
from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from extensions import db
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parents[1]


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
        downgrade(revision="-1")  # the comparison does see a schema that lacks a migration
        assert _diff() != [], "the comparison found no difference without the last migration"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
