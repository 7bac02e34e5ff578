"""The rights of a person (issue 12): one citizen per person, the registry of personal data, inzage,
correction, erasure with a second person's approval, legal holds and retention with a frozen clock."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select

from counter.services import OutcomeInput, record_outcome
from courses.models import Enrolment
from extensions import DomainError, clock, db
from helpdesk import services as helpdesk
from helpdesk.models import Escalation
from messaging.models import OutboxMessage, SmsStatus
from privacy import registry, rights
from privacy.models import Correction, ErasureRequest, LegalHold, RetentionRun
from privacy.services import log_lines_for_person
from referrals.models import Citizen, Referral, Task
from referrals.services import (
    ReferralInput,
    change_status,
    create_referral,
    referral_for_user,
    referrals_query,
)
from tests.counter.conftest import booked, checked_in, plan
from tests.volunteers.conftest import volunteer
from volunteers import services as volunteers
from volunteers.models import BuddyPairing, BuddySearch, VogCheck, Volunteer

JAN = dict(name="Jan de Vries", phone="06 12345678", postcode="3512 AB", house_number="14")
PIET = dict(name="Piet Pieters", phone="06 87654321", postcode="3512 AB", house_number="16",
            notes="Piet belt liever 's middags.")
PERSONAL_COLUMN = re.compile(r"(citizen_id|volunteer_id|person_id|phone|mobile|e164)")


@pytest.fixture
def officers(town, factory):
    town.officer = factory.user("privacy_officer", town.municipality)
    town.second_officer = factory.user("privacy_officer", town.municipality)
    town.other_officer = factory.user("privacy_officer", town.other_municipality)
    return town


def _outcome(appointment, actor, **fields):
    referral = referral_for_user(appointment.referral_id, user=actor)
    data = dict(actions=["explained"], minutes=20, result="partly", solution="solved")
    data.update(fields)
    record_outcome(referral, OutcomeInput(**data), actor=actor)
    return referral_for_user(appointment.referral_id, user=actor)


def every_journey(town, *, end_buddy=True):
    """Jan goes through booking, a course, a buddy pairing (ended, unless `end_buddy` is False: an
    erasure waits for that) and an escalation (three referrals of one person); Piet, his neighbour,
    through a booking only. Returns (jan, piet) citizens."""
    course = plan(town)
    _outcome(checked_in(town, slot_index=1, **JAN), town.counter, solution="course", course_id=course.id)
    buddy = _outcome(checked_in(town, slot_index=2, **JAN), town.counter, solution="buddy")
    anna = volunteer(town, "Anna Haddou", phone="+31651111111")
    search = db.session.execute(select(BuddySearch).where(BuddySearch.referral_id == buddy.id)).scalar_one()
    offer = volunteers.send_offer(search, anna.id, actor=town.coordinator)
    volunteers.handle_inbound_sms(anna.phone_e164, f"JA {offer.code}")
    db.session.commit()
    volunteers.confirm_pairing(db.session.get(BuddySearch, search.id), first_visit_at=clock.now() + timedelta(days=3),
                               actor=town.coordinator)
    escalate = _outcome(checked_in(town, slot_index=3, **JAN), town.counter, solution="escalation",
                        escalation_need="Toeslag stopt; uitzoeken waarom.")
    helpdesk.send_escalation(escalate, helpdesk.EscalationInput(
        agency_id=town.agency.id, need="Toeslag stopt; uitzoeken waarom.", categories=["toeslagen"],
        urgency="normal", consent=True), actor=town.counter)
    booked(town, slot_index=4, **PIET)
    if end_buddy:
        _end_buddy(town)
    jan = db.session.execute(select(Citizen).where(Citizen.name == "Jan de Vries")).scalar_one()
    piet = db.session.execute(select(Citizen).where(Citizen.name == "Piet Pieters")).scalar_one()
    return jan, piet


def _end_buddy(town):
    pairing = db.session.execute(select(BuddyPairing).where(BuddyPairing.status == "active")).scalar_one()
    volunteers.end_pairing(pairing, reason="goal_reached", actor=town.coordinator)
    db.session.commit()


def _texts(data) -> str:
    return " ".join(str(v) for s in data["sections"] for r in s["records"] for v in r.values())


# --- one person -----------------------------------------------------------------------------------------

def test_a_second_referral_of_the_same_person_links_to_the_same_citizen(town, factory):
    first = create_referral(ReferralInput(**JAN, channel="sms", categories=["digid_apply"], reason="no_device",
                                          consent=True), actor=town.agent)
    # Another agency, the same mobile number, the name typed differently: the same person.
    svb_agent = factory.user("agent", factory.org("agency", name="SVB"))
    second = create_referral(ReferralInput(**{**JAN, "name": "J. de Vries", "house_number": "15"}, channel="sms",
                                           categories=["aow"], reason="no_device", consent=True,
                                           notes="Alleen voor de SVB."), actor=svb_agent)
    # The newest details count. A landline is no match; postcode, house number and name (any case) are.
    assert db.session.get(Citizen, first.citizen_id).house_number == "15"
    third = create_referral(ReferralInput(name="j.  DE vries", phone="030 123 4567", postcode="3512ab",
                                          house_number="15", channel="phone", categories=["digid_apply"],
                                          reason="no_device", consent=True), actor=town.agent)
    other = create_referral(ReferralInput(**PIET, channel="sms", categories=["digid_apply"], reason="no_device",
                                          consent=True), actor=town.agent)
    assert first.citizen_id == second.citizen_id == third.citizen_id != other.citizen_id
    assert db.session.execute(select(func.count()).select_from(Citizen)).scalar_one() == 2
    assert db.session.get(Citizen, first.citizen_id).municipality_id == town.municipality.id
    # The first agency sees its own referrals of this person only, never the SVB's note.
    mine = db.session.execute(referrals_query(town.agent)).scalars().all()
    assert second.id not in [r.id for r in mine]


def test_the_same_phone_in_another_municipality_is_another_person(town):
    here = create_referral(ReferralInput(**JAN, channel="sms", categories=["digid_apply"], reason="no_device",
                                         consent=True), actor=town.agent)
    there = create_referral(ReferralInput(**{**JAN, "postcode": "3811 AA"}, channel="sms", categories=["digid_apply"],
                                          reason="no_device", consent=True), actor=town.agent)
    assert here.citizen_id != there.citizen_id


# --- the registry -------------------------------------------------------------------------------------

def test_every_table_with_a_person_in_it_is_registered(app):
    personal = {table.name for table in db.metadata.sorted_tables
                if any(PERSONAL_COLUMN.search(column.name) for column in table.columns)}
    assert {"citizen", "referral", "sms_message", "volunteer", "buddy_pairing"} <= personal  # the check finds them
    missing = personal - registry.registered_tables()
    assert missing == set(), f"register what these tables hold about a person with privacy.registry: {missing}"
    unknown = registry.registered_tables() - set(db.metadata.tables)
    assert unknown == set(), f"registrations name tables that do not exist: {unknown}"
    for holding in registry.HOLDINGS.values():
        assert set(holding.person_types) <= set(registry.PERSON_TYPES), holding.code
        if holding.retention:
            assert holding.retention.setting in app.config, holding.retention.setting


# --- inzage ---------------------------------------------------------------------------------------------

def test_inzage_holds_every_record_of_a_person_and_nothing_of_another(officers):
    jan, piet = every_journey(officers)
    person = rights.person_or_404("citizen", jan.id, user=officers.officer)
    data = rights.inzage(person, actor=officers.officer, form="pagina")
    sections = {s["code"]: s["records"] for s in data["sections"]}
    referrals = db.session.execute(select(Referral.id).where(Referral.citizen_id == jan.id)).scalars().all()
    assert len(referrals) == 3 and len(sections["referral"]) == 3
    assert len(sections["course_enrolment"]) == 1
    assert any("Koppeling" in str(k) for r in sections["buddy"] for k in r)
    assert len(sections["escalation"]) == 1 and "Toeslag stopt" in _texts(data)
    sms = db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_e164 == "+31612345678")).scalar_one()
    # His own, and the buddy's offer, pairing and end SMS, which name him (the area; his first name and number).
    assert sms >= 3 and len(sections["sms_message"]) == sms + 3
    assert len(sections["task"]) == db.session.execute(select(func.count()).select_from(Task).where(
        Task.referral_id.in_(referrals))).scalar_one()
    assert len(sections["counter_outcome"]) == 6  # three check-ins, three outcomes
    # The processing-log lines about Jan: his referrals' entries, with who and which organisation.
    assert data["log"] and all(set(line) >= {"at", "end", "activity_id", "activity_name", "purpose", "status",
                                             "actor_name", "organisation_name", "trace_id", "operation_id"}
                               for line in data["log"])
    # Nothing of Piet, his neighbour.
    text = _texts(data) + str(person.details) + str(data["log"])
    assert "Piet" not in text and "87654321" not in text and "87 65 43 21" not in text
    assert "'s middags" not in text
    # Writing the inzage is itself logged.
    assert any(line["activity_id"] == "privacy-rights"
               for line in log_lines_for_person("citizen", jan.id))
    assert rights.inzage_json(data)["persoon"]["nummer"] == jan.id


def test_an_officer_sees_no_person_of_another_municipality_and_the_counter_no_privacy_page(
        officers, client, login):
    jan, _piet = every_journey(officers)
    login(client, officers.other_officer)
    for url in (f"/privacy/personen/citizen/{jan.id}", f"/privacy/personen/citizen/{jan.id}/brief",
                f"/privacy/personen/citizen/{jan.id}/inzage.json", f"/privacy/personen/citizen/{jan.id}/wissen"):
        assert client.get(url).status_code == 404, url
    assert "Jan de Vries" not in client.get("/privacy/personen?q=Jan").get_data(as_text=True)
    client = client.application.test_client()
    login(client, officers.counter)
    for url in ("/privacy/personen", f"/privacy/personen/citizen/{jan.id}", "/privacy/wisverzoeken",
                "/privacy/bewaartermijnen"):
        assert client.get(url).status_code == 403, url
    client = client.application.test_client()
    login(client, officers.officer)
    assert "Jan de Vries" in client.get("/privacy/personen?q=06 12345678").get_data(as_text=True)
    page = client.get(f"/privacy/personen/citizen/{jan.id}/brief").get_data(as_text=True)
    assert "Beste Jan de Vries," in page and "Toeslag stopt" in page
    download = client.get(f"/privacy/personen/citizen/{jan.id}/inzage.json")
    assert download.status_code == 200 and download.json["persoon"]["nummer"] == jan.id


# --- correction ---------------------------------------------------------------------------------------

def test_a_correction_keeps_the_old_value_and_shows_in_the_next_inzage(officers, client, login, post_form):
    jan, _piet = every_journey(officers)
    login(client, officers.officer)
    url = f"/privacy/personen/citizen/{jan.id}/verbeteren"
    response = post_form(client, url, {"field": "phone", "value": "12", "reason": "Nieuw nummer"})
    assert response.status_code == 422  # not a number: the form says so
    response = post_form(client, url, {"field": "phone", "value": "06 11112222", "reason": "Nieuw nummer van de inwoner"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Citizen, jan.id).phone_e164 == "+31611112222"
    correction = db.session.execute(select(Correction)).scalar_one()
    assert (correction.field, correction.new_value) == ("phone", "06 11112222") and "12345678" in \
        correction.old_value.replace(" ", "")
    page = client.get(f"/privacy/personen/citizen/{jan.id}").get_data(as_text=True)
    assert "Nieuw nummer van de inwoner" in page  # the request, with its reason
    assert "Rechten van betrokkenen" in page  # and the processing-log line of the correction


# --- erasure ------------------------------------------------------------------------------------------

def test_erasure_needs_a_second_person_anonymises_and_keeps_a_tombstone(officers):
    jan, piet = every_journey(officers, end_buddy=False)
    before = db.session.execute(select(func.count()).select_from(Referral)).scalar_one()
    person = rights.person_or_404("citizen", jan.id, user=officers.officer)
    anna = db.session.execute(select(Volunteer).where(Volunteer.name == "Anna Haddou")).scalar_one()
    for who in (person, rights.person_or_404("volunteer", anna.id, user=officers.officer)):
        with pytest.raises(DomainError, match="maatje-koppeling"):  # ended first: it would go on with no one
            rights.request_erasure(who, "request", actor=officers.officer)
    _end_buddy(officers)
    request = rights.request_erasure(person, "request", actor=officers.officer)
    with pytest.raises(DomainError, match="tweede persoon"):
        rights.approve_erasure(request, person, actor=officers.officer)
    with pytest.raises(DomainError):
        rights.approve_erasure(request, person, actor=officers.counter)
    rights.approve_erasure(request, person, actor=officers.second_officer)
    db.session.expire_all()
    jan = db.session.get(Citizen, jan.id)
    assert jan.anonymised_at is not None and jan.name == "" and jan.phone_e164 == "" and jan.postcode == ""
    # Counts survive: the referrals keep codes, dates and status, without their free text.
    assert db.session.execute(select(func.count()).select_from(Referral)).scalar_one() == before
    assert all(r.notes == "" for r in db.session.execute(select(Referral).where(Referral.citizen_id == jan.id))
               .scalars())
    assert db.session.execute(select(func.count()).select_from(Enrolment)).scalar_one() == 1
    assert db.session.execute(select(Escalation.need)).scalar_one() == ""
    assert db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_e164 == "+31612345678")).scalar_one() == 0
    # Piet is untouched.
    assert db.session.get(Citizen, piet.id).name == "Piet Pieters"
    assert db.session.execute(select(Referral.notes).where(Referral.citizen_id == piet.id)).scalar_one()
    # The tombstone: what, when, why, by whom, and no personal data.
    tombstone = db.session.get(ErasureRequest, request.id)
    assert tombstone.status == "done" and tombstone.decided_by_id == officers.second_officer.id
    assert tombstone.reason == "request" and "referral: 3" in tombstone.summary
    values = " ".join(str(getattr(tombstone, c.key)) for c in inspect(ErasureRequest).columns)
    assert "Jan" not in values and "12345678" not in values and "3512" not in values


def test_erasure_reaches_the_copies_in_other_peoples_messages_and_the_anders_texts(officers):
    """Copies of the citizen's data in rows that are not his: the buddy's SMS (the offer's area, his
    first name and number), a helper's copy of his appointment SMS, the text of an "Anders" category,
    and a provider's error text that may quote his number. Other people's own SMS stay whole."""
    from helpdesk.models import EscalationCategory
    from referrals.models import Appointment, ReferralCategory
    jan, piet = every_journey(officers)
    anna = db.session.execute(select(Volunteer).where(Volunteer.name == "Anna Haddou")).scalar_one()
    about_jan = {m.purpose for m in db.session.execute(select(OutboxMessage).where(
        OutboxMessage.to_e164 == anna.phone_e164, OutboxMessage.subject_type.in_(("buddy_offer", "buddy_pairing"))))
        .scalars()}
    assert {"vol_offer", "vol_paired"} <= about_jan
    own = db.session.execute(select(OutboxMessage).where(OutboxMessage.to_e164 == anna.phone_e164,
                                                         OutboxMessage.subject_type == "volunteer")).scalars().all()
    appointment = db.session.execute(select(Appointment.id).join(Referral, Referral.id == Appointment.referral_id)
                                     .where(Referral.citizen_id == jan.id).limit(1)).scalar_one()
    now = clock.now()
    for to, purpose, code, reason in (("+31655555555", "helper_confirmation", None, None),
                                      (jan.phone_e164, "appointment_reminder", "21999",
                                       f"The 'To' number {jan.phone_e164} is not a valid phone number."),
                                      (jan.phone_e164, "appointment_moved", "landline", "Niet verzonden: vast nummer.")):
        db.session.add(OutboxMessage(organisation_id=officers.municipality.id, to_e164=to, purpose=purpose, language="nl",
                                     body="Kopie: Jan heeft een afspraak.", segments=1, subject_type="appointment",
                                     subject_id=appointment, dedup_key=f"test:{purpose}", status=SmsStatus.FAILED,
                                     error_code=code, error_reason=reason, attempts=1, created_at=now,
                                     status_changed_at=now))
    referral_id = db.session.execute(select(Referral.id).where(Referral.citizen_id == jan.id).limit(1)).scalar_one()
    db.session.execute(ReferralCategory.__table__.update().where(ReferralCategory.referral_id == referral_id)
                       .values(other_text="Brief van de gemeente Utrecht over Jan"))
    db.session.execute(EscalationCategory.__table__.update().values(other_text="Jan zijn toeslag"))
    db.session.commit()

    person = rights.person_or_404("citizen", jan.id, user=officers.officer)
    request = rights.request_erasure(person, "request", actor=officers.officer)
    rights.approve_erasure(request, person, actor=officers.second_officer)
    db.session.expire_all()
    messages = {m.purpose: m for m in db.session.execute(select(OutboxMessage).where(
        OutboxMessage.dedup_key.like("test:%") | OutboxMessage.subject_type.in_(("buddy_offer", "buddy_pairing"))))
        .scalars()}
    for purpose in ("vol_offer", "vol_paired", "helper_confirmation", "appointment_reminder"):
        assert messages[purpose].body == "" and messages[purpose].to_e164 == "", purpose
    assert messages["appointment_reminder"].error_reason is None  # the provider's words quoted his number
    assert messages["appointment_moved"].error_reason == "Niet verzonden: vast nummer."  # ours stay
    assert all(m.body for m in own)  # Anna's own SMS, not about Jan
    assert db.session.execute(select(func.count()).select_from(ReferralCategory)
                              .where(ReferralCategory.other_text.is_not(None))).scalar_one() == 0
    assert db.session.execute(select(EscalationCategory.other_text)).scalars().all() == [None]
    assert db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_e164 == "+31687654321", OutboxMessage.body != "")).scalar_one() >= 1  # Piet's


def test_a_volunteers_erasure_reaches_the_citizens_sms_that_name_the_volunteer(officers):
    jan, _piet = every_journey(officers)
    anna = db.session.execute(select(Volunteer).where(Volunteer.name == "Anna Haddou")).scalar_one()
    paired = db.session.execute(select(OutboxMessage).where(OutboxMessage.to_e164 == jan.phone_e164,
                                                            OutboxMessage.purpose == "buddy_paired_citizen")).scalar_one()
    assert "Anna" in paired.body
    person = rights.person_or_404("volunteer", anna.id, user=officers.officer)
    rights.approve_erasure(rights.request_erasure(person, "request", actor=officers.officer), person,
                           actor=officers.second_officer)
    db.session.expire_all()
    paired = db.session.get(OutboxMessage, paired.id)
    # Still waiting to go (the quiet hours, say): withdrawn, never sent to an empty number.
    assert paired.body == "" and paired.status == SmsStatus.WITHDRAWN and "gewist" in paired.error_reason
    kept = db.session.execute(select(OutboxMessage.body).where(OutboxMessage.to_e164 == jan.phone_e164,
                                                               OutboxMessage.subject_type == "appointment")).scalars().all()
    assert kept and all(kept)  # Jan's own appointment SMS stay whole


def test_the_sms_sent_to_a_number_since_corrected_are_in_the_inzage_and_go_with_an_erasure(officers):
    jan, _piet = every_journey(officers)
    old = db.session.execute(select(OutboxMessage.id).where(OutboxMessage.to_e164 == "+31612345678")).scalars().all()
    assert old
    rights.correct(rights.person_or_404("citizen", jan.id, user=officers.officer), "phone", "06 11112222",
                   "Nieuw nummer van de inwoner", actor=officers.officer)
    person = rights.person_or_404("citizen", jan.id, user=officers.officer)
    shown = {r["Sms"] for s in rights.inzage(person, actor=officers.officer, form="pagina")["sections"]
             if s["code"] == "sms_message" for r in s["records"]}
    assert {str(i) for i in old} <= shown
    rights.approve_erasure(rights.request_erasure(person, "request", actor=officers.officer), person,
                           actor=officers.second_officer)
    db.session.expire_all()
    assert all(db.session.get(OutboxMessage, i).body == "" for i in old)


def test_a_hold_on_the_citizen_keeps_the_sms_to_others_about_him_and_contact_notes_go_after_their_term(officers):
    from helpdesk.models import Contact
    jan, piet = every_journey(officers)
    anna = db.session.execute(select(Volunteer).where(Volunteer.name == "Anna Haddou")).scalar_one()
    piet_referral = db.session.execute(select(Referral).where(Referral.citizen_id == piet.id)).scalar_one()
    change_status(piet_referral, "cancelled", actor=officers.counter)
    # The agency's contact of Piet's referral, with a note (no escalation came of it).
    contact = Contact(organisation_id=officers.agency.id, agent_id=officers.agent.id, solved=False, reason="no_device",
                      at=clock.now(),
                      notes="Piet belde over zijn brief.", referral_id=piet_referral.id)
    contact.categorise([("toeslagen", "Piet zijn toeslag")])
    db.session.add(contact)
    db.session.execute(OutboxMessage.__table__.update().values(status=SmsStatus.DELIVERED, sent_at=clock.now()))
    db.session.commit()
    rights.place_hold(rights.person_or_404("citizen", jan.id, user=officers.officer), "legal", actor=officers.officer)
    start = clock.now()

    clock.freeze(start + timedelta(days=120))
    rights.run_retention()
    db.session.expire_all()
    to_anna = db.session.execute(select(OutboxMessage).where(OutboxMessage.to_e164 == anna.phone_e164)).scalars().all()
    about_jan = [m for m in to_anna if m.subject_type in ("buddy_offer", "buddy_pairing")]
    assert about_jan and all(m.body for m in about_jan)  # held with Jan
    assert all(m.body == "" for m in to_anna if m not in about_jan)  # Anna's own went after their term

    clock.freeze(start + timedelta(days=400))
    rights.run_retention()
    db.session.expire_all()
    contact = db.session.get(Contact, contact.id)
    assert contact.notes == "" and [row.other_text for row in contact.categories] == [None]


def test_a_legal_hold_stops_erasure(officers):
    jan, _piet = every_journey(officers)
    person = rights.person_or_404("citizen", jan.id, user=officers.officer)
    request = rights.request_erasure(person, "request", actor=officers.officer)
    rights.place_hold(person, "complaint", actor=officers.officer)
    with pytest.raises(DomainError, match="bewaarplicht"):
        rights.approve_erasure(request, person, actor=officers.coordinator)
    with pytest.raises(DomainError, match="bewaarplicht"):
        rights.request_erasure(person, "request", actor=officers.officer)
    assert db.session.get(Citizen, jan.id).name == "Jan de Vries"
    rights.lift_hold(person, actor=officers.officer)
    rights.approve_erasure(db.session.get(ErasureRequest, request.id), person, actor=officers.coordinator)
    assert db.session.get(Citizen, jan.id).anonymised_at is not None


# --- retention --------------------------------------------------------------------------------------------

def test_retention_with_a_frozen_clock(officers):
    jan, piet = every_journey(officers)
    # A volunteer who stopped, with a VOG check; Piet's referral closes; Jan's stay open.
    bert = Volunteer(municipality_id=officers.municipality.id, name="Bert Stop", phone_e164="+31652222222",
                     postcode="3512 CD", pc4="3512", max_buddies=1, load=0, status="stopped")
    db.session.add(bert)
    db.session.flush()
    db.session.add(VogCheck(volunteer_id=bert.id, checked_by_id=officers.coordinator.id, issued_on=clock.now().date(),
                            outcome="ok"))
    piet_referral = db.session.execute(select(Referral).where(Referral.citizen_id == piet.id)).scalar_one()
    change_status(piet_referral, "cancelled", actor=officers.counter)
    # Piet's only free text left on the referral: an "Anders" category's (the retention finds that too).
    from referrals.models import ReferralCategory
    piet_referral.notes = ""
    db.session.execute(ReferralCategory.__table__.update().where(ReferralCategory.referral_id == piet_referral.id)
                       .values(other_text="Piet zijn brief"))
    db.session.execute(OutboxMessage.__table__.update().values(status=SmsStatus.DELIVERED,
                                                               sent_at=clock.now()))
    db.session.commit()
    referrals_before = db.session.execute(select(func.count()).select_from(Referral)).scalar_one()
    start = clock.now()

    # Four months on: the SMS are due (3 months), nothing else is.
    clock.freeze(start + timedelta(days=120))
    preview = {str(row["label"]): row for row in rights.retention_preview(officers.officer)}
    assert preview["Sms-berichten aan of over de persoon"]["due"] > 0
    assert preview["Persoonsgegevens van de inwoner (en helper)"]["due"] == 0
    run = rights.run_retention()
    assert "sms_message" in run.summary and "citizen" not in run.summary
    assert rights.run_retention() is None  # a second scheduler on the same day does nothing
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_e164 != "")).scalar_one() == 0
    assert db.session.get(Citizen, piet.id).name == "Piet Pieters"

    # Thirteen months on, with a hold on Bert: Piet (referral cancelled) goes, Jan (open) stays, Bert is held.
    rights.place_hold(rights.person_or_404("volunteer", bert.id, user=officers.officer), "legal",
                      actor=officers.officer)
    clock.freeze(start + timedelta(days=400))
    run = rights.run_retention()
    db.session.expire_all()
    assert db.session.get(Citizen, piet.id).anonymised_at is not None
    assert db.session.execute(select(ReferralCategory.other_text)
                              .where(ReferralCategory.referral_id == piet_referral.id)).scalars().all() == [None]
    assert db.session.get(Citizen, jan.id).name == "Jan de Vries"
    assert db.session.get(Volunteer, bert.id).name == "Bert Stop" and run.held >= 2  # the volunteer and his VOG
    assert db.session.execute(select(func.count()).select_from(VogCheck)).scalar_one() == 1
    # Reports still count every journey: no referral is deleted.
    assert db.session.execute(select(func.count()).select_from(Referral)).scalar_one() == referrals_before
    # The report holds counts only.
    assert "Piet" not in run.summary and re.fullmatch(r"[a-z_]+: \d+(, [a-z_]+: \d+)*", run.summary)
    assert db.session.execute(select(func.count()).select_from(RetentionRun)).scalar_one() == 2

    # The hold lifted: the next day's run takes the volunteer and the VOG check.
    rights.lift_hold(rights.person_or_404("volunteer", bert.id, user=officers.officer), actor=officers.officer)
    clock.freeze(start + timedelta(days=401))
    rights.run_retention()
    db.session.expire_all()
    assert db.session.get(Volunteer, bert.id).name == ""
    assert db.session.execute(select(func.count()).select_from(VogCheck)).scalar_one() == 0
    assert db.session.execute(select(func.count()).select_from(LegalHold)).scalar_one() == 1
    assert db.session.execute(select(func.count()).select_from(BuddyPairing)).scalar_one() == 1


def test_the_retention_job_is_in_the_scheduler():
    from scheduler import JOBS
    assert any(job.func == "privacy.jobs:retention" for job in JOBS)
