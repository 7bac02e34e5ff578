"""The whole agent journey through the test client: log the call, refer, book, SMS, reminder,
and the agency sees the status."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from extensions import clock, db
from helpdesk.models import Contact
from messaging.models import OutboxMessage
from privacy.services import pseudonym
from referrals.models import Appointment, Citizen, Referral, Slot, StatusChange
from referrals.services import queue_reminders
from tests.privacy.lines import log_rows
from tests.referrals.conftest import REFERRAL_FORM


def _count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_log_refer_book_sms_reminder_and_the_agency_sees_it(world, client, login, post_form):
    login(client, world.agent)

    # 1. Log the call: not solved by phone.
    response = post_form(client, "/klantcontact/nieuw", {
        "categories": ["digid_apply", "machtigen"], "solved": "no", "reason": "no_device",
        "notes": "Heeft geen computer."})
    assert response.status_code == 302
    contact = db.session.execute(select(Contact)).scalar_one()
    assert response.headers["Location"].endswith(f"/klantcontact/{contact.id}/verwijzen")
    assert contact.category_codes == ["digid_apply", "machtigen"] and contact.reason == "no_device"

    # 2. The referral form carries the notes; categories and reason are not asked again.
    page = client.get(f"/klantcontact/{contact.id}/verwijzen").get_data(as_text=True)
    assert "Heeft geen computer." in page and "DigiD aanvragen, Machtigen" in page
    response = post_form(client, f"/klantcontact/{contact.id}/verwijzen", REFERRAL_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    referral = db.session.execute(select(Referral).options(selectinload(Referral.categories))).scalar_one()
    assert response.headers["Location"].endswith(f"/verwijzingen/{referral.id}/afspraak")
    assert (referral.municipality_id, referral.owner_org_id, referral.referring_org_id) == (
        world.municipality.id, world.municipality.id, world.agency.id)
    assert referral.category_codes == ["digid_apply", "machtigen"] and referral.reason == "no_device"
    assert referral.citizen.postcode == "3512 AB" and referral.citizen.phone_e164 == "+31612345678"
    assert referral.consent_by_id == world.agent.id and referral.consent_at == clock.now()
    db.session.refresh(contact)
    assert contact.referral_id == referral.id

    # 3. The first free slots, in Dutch, soonest first.
    page = client.get(f"/verwijzingen/{referral.id}/afspraak").get_data(as_text=True)
    assert "maandag 23 november 2026" in page
    times = re.findall(r'name="slot" id="slot-(\d+)"', page)
    assert times, page
    first = db.session.get(Slot, int(times[0]))
    assert first.starts_at == clock.now() + timedelta(minutes=30)  # 09:30: 09:00 is now
    # Book a slot tomorrow, so the reminder is due today.
    tomorrow = client.get(f"/verwijzingen/{referral.id}/afspraak?vanaf=2026-11-24").get_data(as_text=True)
    assert "dinsdag 24 november 2026" in tomorrow
    slot_id = int(re.findall(r'name="slot" id="slot-(\d+)"', tomorrow)[0])
    response = post_form(client, f"/verwijzingen/{referral.id}/afspraak", {"slot": slot_id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verwijzingen/{referral.id}/bevestiging")
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "dinsdag 24 november 2026 om 09:00" in confirmation

    # 4. The SMS is in the outbox, written in the same transaction as the booking.
    appointment = db.session.execute(select(Appointment)).scalar_one()
    sms = db.session.execute(select(OutboxMessage)).scalar_one()
    assert sms.to_e164 == "+31612345678" and sms.purpose == "appointment_confirmation"
    assert sms.body.startswith("Gemeente Utrecht: De Belastingdienst heeft een afspraak voor u gemaakt. "
                               "Op dinsdag 24 november om 09:00. Waar: Stadsplein 1, Utrecht.")
    assert "AFZEGGEN" in sms.body and sms.subject_id == appointment.id
    assert db.session.get(Slot, slot_id).booked == 1
    db.session.refresh(referral)
    assert referral.status == "booked"
    history = db.session.execute(select(StatusChange).order_by(StatusChange.id)).scalars().all()
    assert [(h.from_status, h.to_status) for h in history] == [(None, "referred"), ("referred", "booked")]
    assert all(h.by_user_id == world.agent.id for h in history)

    # 5. The reminder job on the day before: one reminder, also when it runs twice.
    assert queue_reminders() == 1
    assert queue_reminders() == 0
    reminders = db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "appointment_reminder")
                                   ).scalars().all()
    assert len(reminders) == 1
    assert reminders[0].body.startswith("Gemeente Utrecht: uw afspraak is morgen om 09:00. Waar: Stadsplein 1, Utrecht.")

    # 6. The agency sees its referral with status; the processing log has the creation and the read.
    page = client.get("/verwijzingen").get_data(as_text=True)
    assert "Jan de Vries" in page and "Afspraak gemaakt" in page and "Gemeente Utrecht" in page
    detail = client.get(f"/verwijzingen/{referral.id}")
    assert detail.status_code == 200
    lines = log_rows(person=pseudonym("citizen", referral.citizen_id))
    assert {("referral", "create"), ("appointment", "create"), ("referral", "read")} <= {
        (line.activity_id, line.action) for line in lines}
    assert {line.actor_id for line in lines} == {world.agent.id}


def test_a_call_solved_by_phone_needs_no_personal_data(world, client, login, post_form):
    login(client, world.agent)
    response = post_form(client, "/klantcontact/nieuw", {"categories": ["berichtenbox"], "solved": "yes"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/klantcontact/nieuw")
    contact = db.session.execute(select(Contact)).scalar_one()
    assert contact.solved and contact.reason is None
    assert _count(Citizen) == 0 and _count(Referral) == 0


def test_contact_form_validation_and_bsn_refused(world, client, login, post_form):
    login(client, world.agent)
    response = post_form(client, "/klantcontact/nieuw", {"solved": "no", "notes": "BSN 111 222 333"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kies minstens een onderwerp." in page
    assert "Kies waarom de vraag niet telefonisch op te lossen was." in page
    assert "nooit een BSN" in page
    assert _count(Contact) == 0


def test_the_referral_form_refuses_bad_input_and_saves_nothing(world, client, login, post_form):
    login(client, world.agent)
    post_form(client, "/klantcontact/nieuw", {"categories": ["toeslagen"], "solved": "no", "reason": "language"})
    contact = db.session.execute(select(Contact)).scalar_one()
    url = f"/klantcontact/{contact.id}/verwijzen"
    bad = dict(REFERRAL_FORM, phone="12345", postcode="1234", notes="bsn is 111.222.333", consent="")
    response = post_form(client, url, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dit is geen geldig telefoonnummer" in page
    assert "Dit is geen geldige postcode" in page
    assert "nooit een BSN" in page
    assert "Zonder toestemming" in page
    assert _count(Citizen) == 0 and _count(Referral) == 0
    # A landline cannot get SMS; a postcode outside every participating municipality says what to do.
    response = post_form(client, url, dict(REFERRAL_FORM, phone="030 123 4567"))
    assert "vast nummer" in response.get_data(as_text=True)
    response = post_form(client, url, dict(REFERRAL_FORM, postcode="9999 AA"))
    assert "Informatiepunt Digitale Overheid" in response.get_data(as_text=True)
    assert _count(Citizen) == 0 and _count(Referral) == 0
    db.session.refresh(contact)
    assert contact.referral_id is None
    # The agent may override the municipality.
    response = post_form(client, url, dict(REFERRAL_FORM, postcode="9999 AA",
                                           municipality_id=str(world.other_municipality.id)))
    assert response.status_code == 302
    assert db.session.execute(select(Referral.municipality_id)).scalar_one() == world.other_municipality.id


def test_a_contact_of_another_agency_is_not_found(world, client, login, post_form):
    login(client, world.agent)
    post_form(client, "/klantcontact/nieuw", {"categories": ["aow"], "solved": "no", "reason": "hearing"})
    contact = db.session.execute(select(Contact)).scalar_one()
    client2 = client.application.test_client()
    login(client2, world.other_agent)
    assert client2.get(f"/klantcontact/{contact.id}/verwijzen").status_code == 404


def test_an_empty_contact_form_says_everything_at_once(world, client, login, post_form):
    login(client, world.agent)
    response = post_form(client, "/klantcontact/nieuw", {})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kies minstens een onderwerp." in page and "Kies of de vraag telefonisch is opgelost." in page
    assert _count(Contact) == 0


def test_reasons_are_counted_for_the_agency(world):
    from helpdesk.services import ContactInput, log_contact, reason_counts
    for reason in ("language", "language", "hearing"):
        log_contact(ContactInput(categories=["aow"], solved="no", reason=reason), actor=world.agent)
    log_contact(ContactInput(categories=["aow"], solved="no", reason="language"), actor=world.other_agent)
    counts = {str(label): n for label, n in reason_counts(world.agency.id)}
    assert counts["Taal"] == 2 and counts["Gehoor"] == 1 and counts["Anders"] == 0
