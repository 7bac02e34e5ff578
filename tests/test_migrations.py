"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""
from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from extensions import db
from tests.conftest import base_config, database_url, on_postgres


@pytest.fixture
def empty_database(tmp_path):
    if not on_postgres():
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    from config import database_uri
    name = f"wegwijs_mig_{uuid.uuid4().hex[:8]}"
    server = database_url().rsplit("/", 1)[0]
    admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield database_uri(f"{server}/{name}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_migrations_match_the_models_and_go_down_again(empty_database):
    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
