"""A letter citizen hears of the buddy as an SMS citizen does: the letter is printed from its code in
the citizen's language, with the municipality as sender and its number to call (referrals.letters)."""
from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from referrals.models import Task
from tests.volunteers.conftest import paired, text_of
from volunteers.services import end_pairing

LETTER_CITIZEN = dict(channel="letter", phone="030 123 4567", street="Kanaalweg", city="Utrecht")


def _letter_task(reason_code: str) -> Task:
    return db.session.execute(select(Task).where(Task.letter == reason_code)).scalar_one()


def _printed(client, task: Task) -> str:
    return text_of(client.get(f"/balie/taken/{task.id}/brief"))


def test_the_buddy_letters_are_printed_in_the_citizens_language_with_a_number_to_call(town, client, login):
    pairing = paired(town, language="en", **LETTER_CITIZEN)
    task = _letter_task("buddy_paired")
    assert task.kind == "letter" and "Jan" not in str(task.letter_values)  # no copy of the citizen's data
    login(client, town.counter)
    letter = _printed(client, task)
    assert "Good news: Anna will be your buddy." in letter and "Anna will call you before." in letter
    assert re.search(r"The first visit is on \w+day \d+ \w+ 20\d\d", letter), letter
    assert town.location.phone in letter and "Dear Jan de Vries" in letter

    end_pairing(pairing, reason="goal_reached", actor=town.coordinator)
    letter = _printed(client, _letter_task("buddy_ended"))
    assert "Your buddy Anna will not come any more." in letter and town.location.phone in letter


def test_a_dutch_letter_citizen_gets_the_dutch_letter(town, client, login):
    paired(town, language="nl", **LETTER_CITIZEN)
    login(client, town.counter)
    letter = _printed(client, _letter_task("buddy_paired"))
    assert "Goed nieuws: Anna wordt uw maatje." in letter and "Vragen? Bel ons op" in letter


def test_the_tasks_keep_no_copy_of_the_buddys_name_and_an_erased_buddy_is_no_longer_named(town, client, login):
    """A task refers to the pairing; the letter looks the buddy's name up when it is printed. So a
    volunteer's erasure reaches the letter citizen's tasks too (kept for twelve months)."""
    from privacy import registry
    from volunteers.models import Volunteer
    pairing = paired(town, language="nl", **LETTER_CITIZEN)
    end_pairing(pairing, reason="goal_reached", actor=town.coordinator)
    db.session.commit()
    tasks = [_letter_task("buddy_paired"), _letter_task("buddy_ended")]
    for task in tasks:
        assert "Anna" not in task.description and "Anna" not in str(task.letter_values)
    assert tasks[0].description.startswith("Goed nieuws: u krijgt een maatje. Het eerste bezoek is op")
    assert tasks[1].description.startswith("Uw maatje komt niet meer.")
    login(client, town.counter)
    assert "Goed nieuws: Anna wordt uw maatje." in _printed(client, tasks[0])
    assert "Uw maatje Anna komt niet meer." in _printed(client, tasks[1])

    # What the second privacy officer's approval runs: every holding of the volunteer erases.
    volunteer = db.session.get(Volunteer, pairing.volunteer_id)
    person = registry.PERSON_TYPES["volunteer"].get(volunteer.id, town.coordinator)
    for holding in registry.holdings_for("volunteer"):
        holding.erase(person)
    db.session.commit()
    printed = _printed(client, tasks[0])
    assert "Anna" not in printed and "Goed nieuws: u krijgt een maatje." in printed and "Uw maatje belt u vooraf." in printed
    printed = _printed(client, tasks[1])
    assert "Anna" not in printed and "Uw maatje komt niet meer." in printed
