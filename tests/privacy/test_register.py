"""Every processing the code logs names an activity of the register (privacy/activities.py), and
the README documents the register: a line without a known activity cannot be written."""
from __future__ import annotations

import re
from pathlib import Path

from privacy import activities
from privacy.services import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "tests", "migrations", "bench", "node_modules"}
# record("activity", "action", ...), record_many("activity", "action", ...), record_list_read("activity", ...)
CALL = re.compile(r'\b(record|record_many|record_list_read)\(\s*"([\w-]+)"(?:,\s*"(\w+)")?')


def _calls():
    found = []
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        found += [(path.relative_to(ROOT), *m.groups()) for m in CALL.finditer(path.read_text())]
    return found


def test_every_logged_processing_names_a_registered_activity_and_a_labelled_action(app):
    calls = _calls()
    assert len(calls) > 40, calls  # the scan sees the calls of every context
    unknown = [(str(p), a) for p, _f, a, _x in calls if activities.current(a) is None]
    assert unknown == []
    actions = {action for _p, fn, _a, action in calls if fn != "record_list_read" and action}
    assert actions and actions <= set(ACTIONS), actions - set(ACTIONS)
    # Every activity of the register is in use (a register that lists what is not done misleads).
    assert {a.id for a in activities.all_current()} == {a for _p, _f, a, _x in calls} | {
        "referral", "appointment", "counter", "escalation", "volunteer", "buddy"}  # also passed as arguments


def test_an_activity_is_versioned_and_cannot_be_changed_in_place():
    v1 = activities.current("counter")
    changed = activities.Activity(**{**v1.__dict__, "purpose": "iets anders"})
    try:
        activities.register_activity(changed)
    except ValueError:
        pass
    else:
        raise AssertionError("an activity changed in place")
    assert activities.version_of("counter", 1) == v1


def test_the_readme_documents_the_register_and_the_log_settings():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Verwerkingenlogboek"):]
    section = section[:section.find("\n## ", 4)]
    for activity in activities.all_current():
        row = next((line for line in section.splitlines() if line.startswith(f"| `{activity.id}` ")), None)
        assert row is not None, activity.id
        assert f"| {activity.version} |" in row and activity.name in row and activity.retention in row, row
    for setting in ("PROCESSING_LOG_KEY", "PROCESSING_LOG_RETENTION_DAYS"):
        assert f"`{setting}`" in section
