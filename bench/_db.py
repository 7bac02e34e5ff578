"""A fresh benchmark database (the benches' helper, not a bench itself: `make bench` skips `_*.py`)."""
from __future__ import annotations

import os
import re


def fresh_database(url: str) -> None:
    """Drop and create the database of `url`: a SQLite file (with its WAL files) or a PostgreSQL
    database, whose name must be a plain identifier (it goes into DROP DATABASE)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    import psycopg
    server, name = url.rsplit("/", 1)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"not a plain database name: {name}")
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
