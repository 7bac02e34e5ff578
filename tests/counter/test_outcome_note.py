"""The history line the agency reads after an outcome names the solution in Dutch, not its code,
also when the counter's screen is in English."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from referrals.models import StatusChange
from tests.counter.conftest import booked, checked_in, plan
from tests.counter.test_counter import OUTCOME, app_client_for, text_of


def _notes(referral_id):
    return db.session.execute(select(StatusChange.note).where(StatusChange.referral_id == referral_id)
                              .order_by(StatusChange.id)).scalars().all()


def test_the_agency_reads_the_solution_in_dutch(town, client, login, post_form):
    course = plan(town)
    appointment = checked_in(town)
    login(client, town.counter)
    response = post_form(client, f"/balie/verwijzingen/{appointment.referral_id}/uitkomst",
                         dict(OUTCOME, solution="course", course_id=str(course.id)))
    assert response.status_code == 302, text_of(response)
    assert "Uitkomst: Geholpen, oplossing: Cursus Digisterker" in _notes(appointment.referral_id)
    agent = app_client_for(client, login, town.agent)
    page = text_of(agent.get(f"/verwijzingen/{appointment.referral_id}"))
    assert "Uitkomst: Geholpen, oplossing: Cursus Digisterker" in page
    assert "oplossing: course" not in page


def test_the_note_stays_dutch_when_the_counter_works_in_english(town, client, login, post_form):
    booked(town)  # an earlier citizen of the day
    appointment = checked_in(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    post_form(client, "/taal", {"lang": "en", "next": "/inloggen"}, get_url="/inloggen")
    login(client, town.counter)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    response = post_form(client, f"/balie/verwijzingen/{appointment.referral_id}/uitkomst",
                         dict(OUTCOME, result="partly", solution="buddy"))
    assert response.status_code == 302, text_of(response)
    assert "Uitkomst: Deels geholpen, oplossing: Vrijwilliger als maatje" in _notes(appointment.referral_id)
