"""Without a SECRET_KEY outside production the key is made once and kept in instance/ (issue 16):
every gunicorn worker, and the next start, signs sessions with the same key."""
from __future__ import annotations

import os
import stat
import threading

import pytest

from config import DEVELOPMENT_KEY_FILE, build


def test_development_without_a_key_makes_one_once_in_instance_and_keeps_it(tmp_path):
    first = build(str(tmp_path), environ={})["SECRET_KEY"]
    second = build(str(tmp_path), environ={})["SECRET_KEY"]  # another worker, or a restart
    assert first == second and len(first) == 64
    path = tmp_path / DEVELOPMENT_KEY_FILE
    assert path.read_text().strip() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [DEVELOPMENT_KEY_FILE]  # no temporary files left
    assert build(str(tmp_path / "other"), environ={})["SECRET_KEY"] != first  # per instance


def test_workers_starting_together_agree_on_one_key(tmp_path):
    keys, barrier = [None] * 8, threading.Barrier(8)

    def start(i):
        barrier.wait()
        keys[i] = build(str(tmp_path), environ={})["SECRET_KEY"]

    threads = [threading.Thread(target=start, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(set(keys)) == 1 and keys[0]


def test_a_key_that_is_set_is_used_and_no_file_is_made(tmp_path):
    assert build(str(tmp_path), environ={"SECRET_KEY": "kort"})["SECRET_KEY"] == "kort"
    assert not (tmp_path / DEVELOPMENT_KEY_FILE).exists()


def test_production_still_refuses_a_missing_key_and_never_makes_one(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        build(str(tmp_path), environ={"ENV_NAME": "production"})
    assert not (tmp_path / DEVELOPMENT_KEY_FILE).exists()

