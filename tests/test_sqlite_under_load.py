"""SQLite under gunicorn with 8 threads per worker (issue 16): 50 booking POSTs at once while
readers open pages. No 500; each booking answered with its redirect or a 503 with Retry-After;
none saved behind a 503. Runs bench/sqlite_load.py (gunicorn on a SQLite file of its own)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_fifty_bookings_at_once_on_sqlite_answer_booked_or_busy_never_500(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "sqlite_load.py"), "--rounds", "1",
                          "--url", f"sqlite:///{tmp_path / 'load.sqlite'}"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "answers 500: 0 " in run.stdout
    assert "saved behind an error page: 0;" in run.stdout
