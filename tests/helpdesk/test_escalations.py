"""The second-line escalation queue (issue 10) through the test client on a real database: the
counter escalates from the outcome, the second line claims, notes, asks, the counter answers, the
second line closes, the counter tells the citizen; isolation; claims under concurrency; the jobs."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from extensions import DomainError, clock, db
from helpdesk import services
from helpdesk.models import Escalation, EscalationAlert, EscalationCategory, EscalationEvent, EscalationNote
from messaging.models import OutboxMessage
from referrals.models import Referral, Task
from referrals.services import agency_line
from tests.conftest import run_together
from tests.counter.conftest import checked_in
from tests.privacy.lines import log_rows

NOTE = "Intern: collega Piet kent dit dossier, niet doorvertellen."
OUTCOME = {"actions": ["explained"], "minutes": "20", "result": "partly", "solution": "escalation",
           "course_id": "", "other_support": "", "notes": "",
           "escalation_need": "Toeslag stopt per 1 januari; uitzoeken waarom en herstellen."}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def desk(town, factory):
    """The town plus the agency's second line (two colleagues), another agency with its own."""
    town.second = factory.user("second_line", town.agency, name="Tess Tweedelijn")
    town.second_b = factory.user("second_line", town.agency, name="Bas Tweedelijn")
    town.svb = factory.org("agency", name="SVB")
    town.svb_second = factory.user("second_line", town.svb)
    return town


def client_for(app, login, user):
    c = app.test_client()
    login(c, user)
    return c


def category_rows(escalation_id: int) -> list[str]:
    return sorted(db.session.execute(select(EscalationCategory.code).where(
        EscalationCategory.escalation_id == escalation_id)).scalars())


def escalated(desk, app, login, post_form, *, urgency="normal", categories=("toeslagen",), citizen=None):
    """Counter: check-in, outcome 'escalation', then the escalation form. Returns (escalation, counter client).
    `citizen`: what differs from the default SMS citizen (channel, language, ...)."""
    appointment = checked_in(desk, **(citizen or {}))
    counter = client_for(app, login, desk.counter)
    response = post_form(counter, f"/balie/verwijzingen/{appointment.referral_id}/uitkomst", OUTCOME)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/balie/verwijzingen/{appointment.referral_id}/escaleren")
    draft = db.session.execute(select(Escalation)).scalar_one()
    assert draft.status == "draft" and draft.need == OUTCOME["escalation_need"] and draft.agency_id == desk.agency.id
    assert category_rows(draft.id) == ["digid_apply"]  # the referral's categories, a row each
    page = counter.get(f"/balie/verwijzingen/{appointment.referral_id}/escaleren")
    assert OUTCOME["escalation_need"] in page.get_data(as_text=True)
    response = post_form(counter, f"/balie/verwijzingen/{appointment.referral_id}/escaleren", {
        "agency_id": str(desk.agency.id), "need": OUTCOME["escalation_need"], "categories": list(categories),
        "urgency": urgency, "consent": "y"})
    assert response.status_code == 302, text_of(response)
    db.session.expire_all()
    return db.session.execute(select(Escalation)).scalar_one(), counter


def test_the_whole_escalation_through_the_test_client(desk, app, login, post_form):
    escalation, counter = escalated(desk, app, login, post_form)
    referral = db.session.get(Referral, escalation.referral_id)
    assert escalation.status == "open" and escalation.consent_by_id == desk.counter.id
    assert escalation.consent_at == clock.now()
    assert referral.step_code == "escalation_sent" and agency_line(referral).endswith("; bij de tweede lijn")
    # Monday 09:00 + 16 working hours: first response due Tuesday 17:00 (16:00 UTC).
    assert escalation.due_at == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)

    # The agency that referred sees "bij de tweede lijn" in its overview.
    agent = client_for(app, login, desk.agent)
    assert "; bij de tweede lijn" in text_of(agent.get("/verwijzingen"))

    # The second line: the queue, claim, an internal note, a question to the municipality.
    second = client_for(app, login, desk.second)
    queue = text_of(second.get("/tweede-lijn"))
    assert "Jan de Vries" in queue and "Oppakken" in queue
    assert post_form(second, f"/tweede-lijn/escalaties/{escalation.id}/oppakken", {},
                     get_url="/tweede-lijn").status_code == 302
    assert "Jan de Vries" in text_of(second.get("/tweede-lijn?tab=mijn"))
    url = f"/tweede-lijn/escalaties/{escalation.id}"
    assert post_form(second, f"{url}/notitie", {"note": NOTE}, get_url=url).status_code == 302
    assert NOTE in text_of(second.get(url))
    response = post_form(second, f"{url}/vraag", {"who": "municipality", "question": ""}, get_url=url)
    assert response.status_code == 422 and "Schrijf de vraag." in text_of(response)
    response = post_form(second, f"{url}/vraag", {"who": "municipality",
                                                   "question": "Welke brief heeft de inwoner gekregen?"}, get_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    escalation = db.session.get(Escalation, escalation.id)
    assert escalation.status == "waiting_municipality" and escalation.due_at is None  # the clocks stand still

    # The counter: a task with the question, the escalation page (no internal note), the answer.
    tasks = text_of(counter.get("/balie/taken"))
    assert "Welke brief heeft de inwoner gekregen?" in tasks and NOTE not in tasks
    mine = f"/gemeente/escalaties/{escalation.id}"
    page = text_of(counter.get(mine))
    assert "Welke brief heeft de inwoner gekregen?" in page and NOTE not in page and "Wacht op gemeente" in page
    assert "Jan de Vries" in text_of(counter.get("/gemeente/escalaties"))
    response = post_form(counter, f"{mine}/antwoord", {"reply": "De brief van 3 november over de huurtoeslag."})
    assert response.status_code == 302
    db.session.expire_all()
    escalation = db.session.get(Escalation, escalation.id)
    assert escalation.status == "open" and escalation.due_at is not None
    assert db.session.execute(select(func.count()).select_from(Task).where(
        Task.reason == "escalation", Task.done_at.is_(None))).scalar_one() == 0  # the question's task is done

    # Close with a result: the counter sees the answer on the referral and on its task list.
    response = post_form(second, f"{url}/afronden", {"result": "solved", "answer": ""})
    assert response.status_code == 422 and "Schrijf het antwoord in een regel." in text_of(response)
    response = post_form(second, f"{url}/afronden", {"result": "solved",
                                                     "answer": "Toeslag hersteld vanaf 1 januari."})
    assert response.status_code == 302
    db.session.expire_all()
    referral = db.session.get(Referral, escalation.referral_id)
    assert agency_line(referral).endswith("; tweede lijn: opgelost")
    detail = text_of(counter.get(f"/verwijzingen/{referral.id}"))
    assert "Toeslag hersteld vanaf 1 januari." in detail and NOTE not in detail
    assert "Toeslag hersteld vanaf 1 januari." in text_of(counter.get("/balie/taken"))
    assert "; tweede lijn: opgelost" in text_of(agent.get("/verwijzingen"))
    agent_detail = text_of(agent.get(f"/verwijzingen/{referral.id}"))
    assert "Opgelost" in agent_detail and NOTE not in agent_detail

    # The counter tells the citizen by their channel (SMS); the referral closes.
    response = post_form(counter, f"{mine}/inwoner", {"how": "message"})
    assert response.status_code == 302
    sms = db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "escalation_answered")).scalar_one()
    assert desk.agency.name in sms.body and NOTE not in sms.body
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "closed"
    assert all(NOTE not in m.body for m in db.session.execute(select(OutboxMessage)).scalars())
    assert all(NOTE not in t.description for t in db.session.execute(select(Task)).scalars())

    kinds = [e.kind for e in db.session.execute(select(EscalationEvent).order_by(EscalationEvent.id)).scalars()]
    assert kinds == ["sent", "claimed", "asked_municipality", "municipality_replied", "closed"]
    assert "escalation" in {line.activity_id for line in log_rows(person_type="citizen")}


def test_categories_are_rows_counted_shown_in_order_and_filtered_in_the_queue(desk, app, login, post_form):
    escalation, counter = escalated(desk, app, login, post_form, categories=["toeslagen", "machtigen"])
    assert category_rows(escalation.id) == ["machtigen", "toeslagen"]  # the draft's digid_apply is gone
    counts = dict(db.session.execute(select(EscalationCategory.code, func.count()).group_by(EscalationCategory.code)).all())
    assert counts == {"machtigen": 1, "toeslagen": 1}
    labels = "Machtigen, Toeslagen"  # the admin's order, not the order ticked
    assert labels in text_of(counter.get(f"/gemeente/escalaties/{escalation.id}"))
    second = client_for(app, login, desk.second)
    assert labels in text_of(second.get(f"/tweede-lijn/escalaties/{escalation.id}"))
    assert labels in text_of(second.get("/tweede-lijn"))
    for code, found in (("toeslagen", True), ("machtigen", True), ("aangifte", False), ("digid_apply", False)):
        assert ("Jan de Vries" in text_of(second.get(f"/tweede-lijn?category={code}"))) is found, code


def test_isolation_other_agency_and_other_municipality_see_nothing(desk, app, login, post_form):
    escalation, _counter = escalated(desk, app, login, post_form)
    db.session.add(EscalationNote(escalation_id=escalation.id, agency_id=escalation.agency_id,
                                  by_user_id=desk.second.id, text=NOTE))
    db.session.commit()
    svb = client_for(app, login, desk.svb_second)
    assert svb.get(f"/tweede-lijn/escalaties/{escalation.id}").status_code == 404
    assert "Jan de Vries" not in text_of(svb.get("/tweede-lijn"))
    other = client_for(app, login, desk.other_counter)
    assert other.get(f"/gemeente/escalaties/{escalation.id}").status_code == 404
    assert "Jan de Vries" not in text_of(other.get("/gemeente/escalaties"))
    assert post_form(other, f"/gemeente/escalaties/{escalation.id}/antwoord", {"reply": "x"},
                     get_url="/gemeente/escalaties").status_code == 404
    # The municipality's own pages never show the internal note.
    own = client_for(app, login, desk.coordinator)
    for url in (f"/gemeente/escalaties/{escalation.id}", "/gemeente/escalaties", "/balie/taken",
                f"/verwijzingen/{escalation.referral_id}"):
        assert NOTE not in own.get(url).get_data(as_text=True), url
    # Only the owning agency reads notes, whatever the service is asked.
    assert services.notes_of(escalation, desk.coordinator) == []
    assert [n.text for n in services.notes_of(escalation, desk.second)] == [NOTE]


def test_claim_release_reassign_and_refusals(desk, app, login, post_form):
    escalation, _counter = escalated(desk, app, login, post_form)
    services.claim(escalation, actor=desk.second)
    with pytest.raises(DomainError, match="net opgepakt"):
        services.claim(db.session.get(Escalation, escalation.id), actor=desk.second_b)
    escalation = db.session.get(Escalation, escalation.id)
    with pytest.raises(DomainError, match="Pak de escalatie eerst op"):
        services.answer_municipality(escalation, "Antwoord", actor=desk.second_b)
    with pytest.raises(DomainError, match="Alleen wie"):
        services.release(escalation, actor=desk.second_b)
    services.release(escalation, actor=desk.second)
    services.claim(escalation, actor=desk.second_b)
    # The agency lead reassigns: logged in the history and the processing log.
    with pytest.raises(DomainError, match="Alleen de leidinggevende"):
        services.reassign(escalation, desk.second.id, actor=desk.second_b)
    lead = client_for(app, login, desk.lead)
    url = f"/tweede-lijn/escalaties/{escalation.id}"
    assert post_form(lead, f"{url}/toewijzen", {"user_id": str(desk.second.id)}, get_url=url).status_code == 302
    db.session.expire_all()
    escalation = db.session.get(Escalation, escalation.id)
    assert escalation.claimed_by_id == desk.second.id
    last = db.session.execute(select(EscalationEvent).order_by(EscalationEvent.id.desc()).limit(1)).scalar_one()
    assert (last.kind, last.by_user_id, last.to_user_id) == ("reassigned", desk.lead.id, desk.second.id)
    assert any("toegewezen aan" in (line.detail or "") for line in log_rows(activity_id="escalation"))
    response = post_form(lead, f"{url}/toewijzen", {"user_id": str(desk.svb_second.id)}, get_url=url)
    assert response.status_code == 422 and "Kies een collega van de tweede lijn." in text_of(response)


def test_a_second_open_escalation_of_the_same_referral_is_refused(desk, app, login, post_form):
    escalation, counter = escalated(desk, app, login, post_form)
    response = counter.get(f"/balie/verwijzingen/{escalation.referral_id}/escaleren")
    assert response.status_code == 302 and f"/gemeente/escalaties/{escalation.id}" in response.headers["Location"]
    referral = db.session.get(Referral, escalation.referral_id)
    with pytest.raises(DomainError, match="al bij de tweede lijn"):
        services.send_escalation(referral, services.EscalationInput(
            agency_id=desk.agency.id, need="x", categories=["toeslagen"], urgency="normal", consent=True),
            actor=desk.counter)


def test_escalate_form_errors_next_to_the_fields(desk, app, login, post_form):
    appointment = checked_in(desk)
    counter = client_for(app, login, desk.counter)
    post_form(counter, f"/balie/verwijzingen/{appointment.referral_id}/uitkomst", OUTCOME)
    response = post_form(counter, f"/balie/verwijzingen/{appointment.referral_id}/escaleren", {
        "agency_id": str(desk.municipality.id), "need": "BSN 111222333", "urgency": "", "consent": ""})
    page = text_of(response)
    assert response.status_code == 422
    for message in ("Kies de organisatie die de vraag oppakt.", "Kies minstens een onderwerp van de vraag.",
                    "Kies de urgentie.", "Zonder toestemming van de inwoner"):
        assert message in page
    assert db.session.execute(select(Escalation.status)).scalar_one() == "draft"


def test_urgent_halves_and_an_urgency_change_keeps_the_pause(desk, app, login, post_form):
    escalation, _counter = escalated(desk, app, login, post_form, urgency="urgent")
    # Monday 09:00 + 8 working hours: Monday 17:00.
    assert escalation.due_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    services.claim(escalation, actor=desk.second)
    services.change_urgency(escalation, "normal", actor=desk.second)
    assert escalation.due_at == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@pytest.mark.postgres
def test_two_colleagues_claim_at_once_one_owner(desk, app, login, post_form):
    escalation, _counter = escalated(desk, app, login, post_form)
    people = [desk.second.id, desk.second_b.id]

    def work(i):
        from accounts.models import User
        services.claim(db.session.get(Escalation, escalation.id), actor=db.session.get(User, people[i]))
        return "claimed"

    results = run_together(app, 2, work)
    assert sorted(str(r) for r in results) == ["Een collega heeft deze escalatie net opgepakt.", "claimed"]
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).claimed_by_id in people
    assert db.session.execute(select(func.count()).select_from(EscalationEvent).where(
        EscalationEvent.kind == "claimed")).scalar_one() == 1


def test_the_job_records_warnings_and_breaches_once_and_releases_idle_claims(desk, app, login, post_form):
    escalation, _counter = escalated(desk, app, login, post_form)
    services.claim(escalation, actor=desk.second)
    # Tuesday 13:00: 12 of 16 working hours used: a warning on the first response.
    clock.freeze(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert services.record_alerts() == 1
    alerts = {(a.clock_name, a.kind) for a in db.session.execute(select(EscalationAlert)).scalars()}
    assert alerts == {("first_response", "warning")}
    assert services.record_alerts() == 0
    # Wednesday 10:00: breached; the lead sees it; the idle claim (8 working hours) is released.
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert services.record_alerts() == 1 and services.record_alerts() == 0
    alerts = {(a.clock_name, a.kind) for a in db.session.execute(select(EscalationAlert)).scalars()}
    assert alerts == {("first_response", "warning"), ("first_response", "breach")}
    assert services.release_idle_claims() == 1 and services.release_idle_claims() == 0
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).claimed_by_id is None
    lead = client_for(app, login, desk.lead)
    page = text_of(lead.get("/tweede-lijn/bewaking"))
    assert "Jan de Vries" in page and "Eerste reactie" in page


@pytest.mark.postgres
def test_two_schedulers_record_each_alert_once(desk, app, login, post_form):
    escalated(desk, app, login, post_form)
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    results = run_together(app, 2, lambda i: services.record_alerts())
    assert all(isinstance(r, int) for r in results), results
    total = db.session.execute(select(func.count()).select_from(EscalationAlert)).scalar_one()
    assert sum(results) == total and total > 0


def test_closure_days_of_the_agency_move_the_due_moment(desk, app, login, post_form):
    escalation, _counter = escalated(desk, app, login, post_form)
    lead = client_for(app, login, desk.lead)
    response = post_form(lead, "/tweede-lijn/instellingen/sluitingsdagen", {"day": "2026-11-24", "reason": "Heidag"},
                         get_url="/tweede-lijn/instellingen")
    assert response.status_code == 302
    db.session.expire_all()
    # Tuesday closed: Monday 8 hours, Wednesday 8 hours: due Wednesday 17:00.
    assert db.session.get(Escalation, escalation.id).due_at == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    response = post_form(lead, "/tweede-lijn/instellingen", {"first_response_hours": "0", "update_hours": "40",
                                                             "resolution_hours": "80", "idle_claim_hours": "8"})
    assert response.status_code == 422 and "Vul een aantal werkuren in van 1 tot 400." in text_of(response)


def test_waiting_does_not_count_as_an_idle_claim(desk, app, login, post_form):
    escalation, _counter = escalated(desk, app, login, post_form)
    services.claim(escalation, actor=desk.second)
    services.ask(escalation, "citizen", "Heeft de inwoner de brief van de Belastingdienst nog?", actor=desk.second)
    clock.freeze(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday 10:00: three working days later
    assert services.release_idle_claims() == 0  # waiting: not idle
    services.municipality_reply(db.session.get(Escalation, escalation.id), "Ja, van 2 november.",
                                actor=desk.counter)
    assert services.release_idle_claims() == 0  # the answer starts the idle timer again
    clock.freeze(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))  # Friday 11:00: 9 working hours later
    assert services.release_idle_claims() == 1


def test_a_letter_citizen_hears_of_the_answer_in_their_language_with_a_number_to_call(desk, app, login, post_form):
    escalation, counter = escalated(desk, app, login, post_form, citizen=dict(
        channel="letter", language="en", phone="030 123 4567", street="Kanaalweg", city="Utrecht"))
    services.claim(escalation, actor=desk.second)
    services.close(escalation, "solved", "Toeslag hersteld vanaf 1 januari.", actor=desk.second)
    db.session.commit()
    response = post_form(counter, f"/gemeente/escalaties/{escalation.id}/inwoner", {"how": "message"})
    assert response.status_code == 302, text_of(response)
    task = db.session.execute(select(Task).where(Task.letter == "escalation_answered")).scalar_one()
    assert task.kind == "letter" and "Jan" not in str(task.letter_values)
    letter = text_of(counter.get(f"/balie/taken/{task.id}/brief"))
    assert f"You had a question for {desk.agency.name}." in letter and "That question has now been dealt with." in letter
    assert f"Then call us on {desk.location.phone}." in letter and "Dear Jan de Vries" in letter
    assert "Toeslag hersteld" not in letter  # the answer itself is told by the counter, not printed
