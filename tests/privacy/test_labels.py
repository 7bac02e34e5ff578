"""The processing log speaks Dutch: every action and subject type the code writes has a label,
shown in the table and in the filters; a value without a label shows as it is."""
from __future__ import annotations

import re
from pathlib import Path

from extensions import db
from privacy.services import ACTIONS, LIST_KINDS, SUBJECT_TYPES, record

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "tests", "migrations", "bench", "node_modules"}


def _written_in_code() -> tuple[set[str], set[str]]:
    """(actions, subject types) of every record(...) call with literal values in the app's code,
    plus the subject types of messaging's page log and of record_list_read."""
    actions, subjects = set(), set()
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        source = path.read_text()
        for action, subject in re.findall(r'\brecord\(\s*"(\w+)",\s*"(\w+)"', source):
            actions.add(action)
            subjects.add(subject)
        subjects |= set(re.findall(r'\blog_page_read\(\s*"(\w+)"', source))
        subjects |= {f"{kind}_list" for kind in re.findall(r'\brecord_list_read\(\s*"(\w+)"', source)}
    return actions, subjects


def test_every_action_and_subject_type_in_the_code_has_a_dutch_label(app):
    # `app` imports every context, so the subjects they register with privacy are there.
    actions, subjects = _written_in_code()
    assert {"read", "update", "create", "login"} <= actions and {"referral", "sms_message"} <= subjects
    assert actions | {"read_list"} <= set(ACTIONS), actions - set(ACTIONS)
    assert subjects | {f"{kind}_list" for kind in LIST_KINDS} <= set(SUBJECT_TYPES), subjects - set(SUBJECT_TYPES)


def test_the_log_page_and_its_filters_show_labels(client, factory, login):
    admin = factory.user("admin", factory.org(kind="system"))
    counter = factory.user("counter")
    record("read", "referral", 5, "verwijzing inzien", actor=counter)
    record("update", "sms_message", None, "test", actor=counter)
    record("create", "citizen", 7, "test", actor=counter)
    record("read_list", "referral_list", None, "verwijzingen bekijken", detail="1 getoond: 5", actor=counter)
    record("peek", "gadget", 3, "test", actor=counter)  # no label: shown as is
    db.session.commit()
    login(client, admin)
    page = client.get("/beheer/verwerkingenlogboek").get_data(as_text=True)
    cells = re.findall(r"<td>([^<]*)</td>", page)
    for shown in ("Bekeken", "Gewijzigd", "Aangemaakt", "Lijst bekeken", "Verwijzing 5", "Sms-berichten",
                  "Inwoner 7", "Lijst van verwijzingen", "peek", "gadget 3"):
        assert shown in cells, shown
    for raw in ("read", "update", "create", "read_list", "referral 5", "sms_message", "referral_list"):
        assert raw not in cells, raw
    options = dict(re.findall(r'<option[^>]*value="(\w*)"[^>]*>([^<]*)</option>', page))
    # The filter offers what the code writes (constants, no SELECT DISTINCT over a million lines).
    assert options["read"] == "Bekeken" and options["update"] == "Gewijzigd" and "peek" not in options
    assert options["referral"] == "Verwijzing" and options["endpoint"] == "Pagina" and "gadget" not in options
    assert options["task_list"] == "Lijst van taken"
    filtered = client.get("/beheer/verwerkingenlogboek?subject_type=referral&action=read").get_data(as_text=True)
    assert "Verwijzing 5" in filtered and "Inwoner 7" not in filtered
