"""Question categories per agency (issue 14): the admin adds, renames, reorders, retires and offers
again; an agent sees the shared ones first and then their own agency's, never another agency's;
"Anders" asks for a text; a retired category is not offered but keeps its name on what has it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extensions import db
from helpdesk.models import Contact
from referrals.categories import add_standard_categories
from referrals.models import QuestionCategory, Referral
from referrals.services import change_status
from referrals.vocabulary import Status
from tests.referrals.conftest import REFERRAL_FORM, make_referral

VALID_BSN = "123456782"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def offered_codes(response) -> list[str]:
    return re.findall(r'name="categories"[^>]*value="([^"]+)"', response.get_data(as_text=True))


@pytest.fixture
def cats(world, factory):
    add_standard_categories({"Belastingdienst": world.agency.id, "SVB": world.other_agency.id})
    db.session.commit()
    world.admin = factory.user("admin", factory.org(kind="system", name="Beheer"))
    return world


def category(code: str) -> QuestionCategory:
    return db.session.execute(select(QuestionCategory).where(QuestionCategory.code == code)).scalar_one()


def contact_form(**fields) -> dict:
    return {"solved": "yes", "reason": "", "notes": "", **fields}


def test_an_agent_sees_the_shared_categories_first_then_their_own_and_never_another_agencys(cats, client, login,
                                                                                          post_form):
    login(client, cats.agent)  # Belastingdienst
    page = client.get("/klantcontact/nieuw")
    codes = offered_codes(page)
    assert codes == ["digid_apply", "digid_activate", "digid_app", "digid_recovery", "berichtenbox", "machtigen",
                     "other", "toeslagen", "aangifte"]
    assert "Voor alle organisaties" in text_of(page) and "Belastingdienst" in text_of(page)
    assert "AOW" not in text_of(page) and "Kinderbijslag" not in text_of(page)
    # Another agency's code, sent anyway, is refused next to the field; nothing is saved.
    refused = post_form(client, "/klantcontact/nieuw", contact_form(categories=["aow"]))
    assert refused.status_code == 422 and "Kies de onderwerpen uit de lijst." in text_of(refused)
    assert db.session.execute(select(Contact)).first() is None

    svb = cats.other_agent
    other = client.application.test_client()
    login(other, svb)
    assert offered_codes(other.get("/klantcontact/nieuw"))[-3:] == ["aow", "kinderbijslag", "svb_other"]
    assert "toeslagen" not in offered_codes(other.get("/klantcontact/nieuw"))


def test_anders_needs_a_short_text_without_a_bsn_and_it_travels_with_the_referral(cats, client, login, post_form):
    login(client, cats.agent)
    for text, message in (("", "Beschrijf in een paar woorden waar de vraag over gaat."),
                          ("x" * 121, "120"),
                          (f"BSN {VALID_BSN} bellen", "BSN")):
        response = post_form(client, "/klantcontact/nieuw", contact_form(categories=["other"], other_other=text))
        assert response.status_code == 422 and message in text_of(response), text
        assert 'id="other_other-error"' in response.get_data(as_text=True)  # next to its field
    assert db.session.execute(select(Contact)).first() is None

    response = post_form(client, "/klantcontact/nieuw", {
        "categories": ["machtigen", "other"], "other_other": "  WOZ-beschikking  kwijt ", "solved": "no",
        "reason": "no_device", "notes": ""})
    assert response.status_code == 302
    contact = db.session.execute(select(Contact)).scalar_one()
    assert contact.category_labels == ["Machtigen", "Anders: WOZ-beschikking kwijt"]
    response = post_form(client, f"/klantcontact/{contact.id}/verwijzen", REFERRAL_FORM)
    assert response.status_code == 302, text_of(response)
    referral = db.session.execute(select(Referral).options(selectinload(Referral.categories))).scalar_one()
    assert referral.category_labels == ["Machtigen", "Anders: WOZ-beschikking kwijt"]
    assert "Machtigen, Anders: WOZ-beschikking kwijt" in text_of(client.get(f"/verwijzingen/{referral.id}"))
    # A text next to a category that is no "Anders" is not kept.
    post_form(client, "/klantcontact/nieuw", contact_form(categories=["machtigen"], other_other="iets"))
    assert "iets" not in str(db.session.execute(select(Contact).order_by(Contact.id.desc())).scalars().first()
                             .category_labels)


def test_the_admin_adds_renames_reorders_retires_and_offers_again(cats, client, login, post_form):
    login(client, cats.admin)
    listing = client.get("/beheer/onderwerpen")
    assert listing.status_code == 200
    assert ["Voor alle organisaties", "Belastingdienst", "SVB"] == re.findall(r'<h2 id="groep-\d+">([^<]+)</h2>',
                                                                             listing.get_data(as_text=True))
    added = post_form(client, "/beheer/onderwerpen/nieuw", {"agency_id": str(cats.agency.id),
                                                            "name_nl": "Betalingsregeling",
                                                            "name_en": "Payment arrangement"})
    assert added.status_code == 302
    new = db.session.execute(select(QuestionCategory).where(QuestionCategory.name_nl == "Betalingsregeling")).scalar_one()
    code = new.code
    assert code == "betalingsregelin"  # readable, at most 16 characters and a number when taken
    assert (new.agency_id, new.position) == (cats.agency.id, category("aangifte").position + 1)
    edit = client.get(f"/beheer/onderwerpen/{new.id}").get_data(as_text=True)
    assert f'<option selected value="{cats.agency.id}">' in edit
    renamed = post_form(client, f"/beheer/onderwerpen/{new.id}", {"agency_id": str(cats.agency.id),
                                                                   "name_nl": "Betalingsregeling treffen",
                                                                   "name_en": "Payment plan"})
    assert renamed.status_code == 302
    db.session.expire_all()
    assert (category(code).name_nl, category(code).agency_id, category(code).code) == (
        "Betalingsregeling treffen", cats.agency.id, code)
    # Into another group: last there; back again.
    post_form(client, f"/beheer/onderwerpen/{new.id}", {"agency_id": "0", "name_nl": "Betalingsregeling"})
    db.session.expire_all()
    assert category(code).agency_id is None and category(code).position == category("other").position + 1
    post_form(client, f"/beheer/onderwerpen/{new.id}", {"agency_id": str(cats.agency.id),
                                                        "name_nl": "Betalingsregeling treffen"})

    post_form(client, f"/beheer/onderwerpen/{new.id}/omhoog", {}, get_url="/beheer/onderwerpen")
    post_form(client, f"/beheer/onderwerpen/{new.id}/omhoog", {}, get_url="/beheer/onderwerpen")
    post_form(client, f"/beheer/onderwerpen/{category('toeslagen').id}/omlaag", {}, get_url="/beheer/onderwerpen")
    agent = client.application.test_client()
    login(agent, cats.agent)
    assert offered_codes(agent.get("/klantcontact/nieuw"))[-3:] == [code, "aangifte", "toeslagen"]

    # Retiring asks first; afterwards the category is not offered, and can be offered again.
    confirm = client.get(f"/beheer/onderwerpen/{category('aangifte').id}/intrekken")
    assert confirm.status_code == 200 and "blijven het tonen" in text_of(confirm)
    assert category("aangifte").retired_at is None  # the question alone changes nothing
    post_form(client, f"/beheer/onderwerpen/{category('aangifte').id}/intrekken", {})
    db.session.expire_all()
    assert category("aangifte").retired_at is not None
    assert "aangifte" not in offered_codes(agent.get("/klantcontact/nieuw"))
    assert "Ingetrokken" in text_of(client.get("/beheer/onderwerpen"))
    post_form(client, f"/beheer/onderwerpen/{category('aangifte').id}/terugzetten", {}, get_url="/beheer/onderwerpen")
    assert "aangifte" in offered_codes(agent.get("/klantcontact/nieuw"))


@pytest.mark.parametrize("fields, field, message", [
    ({"agency_id": "0", "name_nl": ""}, "name_nl", "Vul de naam in het Nederlands in."),
    ({"agency_id": "0", "name_nl": "machtigen"}, "name_nl", "al een onderwerp met deze naam"),
    ({"agency_id": "0", "name_nl": "x" * 81}, "name_nl", ""),
    ({"agency_id": "0", "name_nl": "Nog iets", "is_other": "y"}, "is_other", "al een onderwerp"),
    ({"agency_id": "x", "name_nl": "Nog iets"}, "agency_id", ""),
    ({"agency_id": "99999", "name_nl": "Nog iets"}, "agency_id", "Kies een organisatie uit de lijst."),
    ({"agency_id": "{municipality}", "name_nl": "Nog iets"}, "agency_id", "Kies een organisatie uit de lijst."),
])
def test_bad_input_on_the_admin_form_is_a_422_with_the_message_next_to_the_field(cats, client, login, post_form,
                                                                                 fields, field, message):
    login(client, cats.admin)
    fields = {k: v.format(municipality=cats.municipality.id) for k, v in fields.items()}
    before = len(db.session.execute(select(QuestionCategory)).all())
    response = post_form(client, "/beheer/onderwerpen/nieuw", fields)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True) and message in text_of(response)
    assert len(db.session.execute(select(QuestionCategory)).all()) == before


def test_only_the_admin_manages_categories(cats, client, login, post_form):
    login(client, cats.agent)
    assert client.get("/beheer/onderwerpen").status_code == 403
    assert client.get(f"/beheer/onderwerpen/{category('aow').id}/intrekken").status_code == 403
    admin = client.application.test_client()
    login(admin, cats.admin)
    assert admin.get("/beheer/onderwerpen/999999").status_code == 404


def test_a_retired_category_is_not_offered_but_old_contacts_and_referrals_keep_its_name(cats, client, login,
                                                                                       post_form):
    login(client, cats.agent)
    post_form(client, "/klantcontact/nieuw", {"categories": ["toeslagen"], "solved": "no", "reason": "language"})
    contact = db.session.execute(select(Contact)).scalar_one()
    post_form(client, f"/klantcontact/{contact.id}/verwijzen", REFERRAL_FORM)
    referral = db.session.execute(select(Referral)).scalar_one()
    category("toeslagen").name_nl = "Toeslagen (oud)"
    admin = client.application.test_client()
    login(admin, cats.admin)
    post_form(admin, f"/beheer/onderwerpen/{category('toeslagen').id}/intrekken", {})

    assert "toeslagen" not in offered_codes(client.get("/klantcontact/nieuw"))
    refused = post_form(client, "/klantcontact/nieuw", contact_form(categories=["toeslagen"]))
    assert refused.status_code == 422
    assert "Toeslagen (oud)" in text_of(client.get(f"/verwijzingen/{referral.id}"))
    assert "Toeslagen (oud)" in text_of(client.get("/klantcontact/nieuw"))  # the recent calls


def test_the_counter_escalates_with_the_referring_agencys_categories(cats, client, login, post_form):
    referral = make_referral(cats.agent, categories=["toeslagen", "other"], category_texts={"other": "Box 3"})
    db.session.commit()
    for to in (Status.BOOKED, Status.ATTENDED, Status.OUTCOME):
        change_status(referral, to, actor=cats.counter)
    db.session.commit()
    login(client, cats.counter)
    page = client.get(f"/balie/verwijzingen/{referral.id}/escaleren")
    assert "aow" not in offered_codes(page) and {"toeslagen", "aangifte", "other"} <= set(offered_codes(page))
    assert 'value="Box 3"' in page.get_data(as_text=True)  # the referral's "Anders" text, ready
    refused = post_form(client, f"/balie/verwijzingen/{referral.id}/escaleren", {
        "agency_id": str(cats.agency.id), "need": "Uitzoeken.", "categories": ["aow"], "urgency": "normal",
        "consent": "y"})
    assert refused.status_code == 422 and "Kies de onderwerpen uit de lijst." in text_of(refused)


def test_migration_0013_turns_the_fixed_list_into_rows_and_keeps_every_stored_code(empty_database):
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import MetaData

    from app import create_app
    from tests.conftest import base_config

    app = create_app(base_config(empty_database))
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            meta = MetaData()
            meta.reflect(bind=conn)
            t = meta.tables
            conn.execute(t["organisation"].insert(), [
                dict(id=1, name="Belastingdienst", kind="agency", active=True, created_at=now),
                dict(id=2, name="Sociale Verzekeringsbank", kind="agency", active=True, created_at=now)])
            conn.execute(t["user_account"].insert().values(
                id=1, email="a@x.nl", name="Agent", role="agent", organisation_id=1, password_hash="x", active=True,
                must_change_password=False, session_token="t", failed_logins=0, totp_enabled=False, created_at=now))
            conn.execute(t["contact"].insert().values(id=1, organisation_id=1, agent_id=1, at=now, solved=True,
                                                      notes=""))
            conn.execute(t["contact_category"].insert(), [dict(contact_id=1, category="toeslagen"),
                                                          dict(contact_id=1, category="oud_onderwerp")])
        upgrade()  # to the head: the models (and 0015's copies on contact_category) need it
        with app.test_request_context():
            rows = {c.code: c for c in db.session.execute(select(QuestionCategory)).scalars()}
            assert (rows["toeslagen"].agency_id, rows["aow"].agency_id, rows["digid_apply"].agency_id) == (1, 2, None)
            assert rows["other"].is_other and rows["aow"].name_en == "State pension (AOW)"
            assert rows["oud_onderwerp"].retired_at is not None and rows["oud_onderwerp"].name_nl == "oud_onderwerp"
            contact = db.session.get(Contact, 1)
            assert contact.category_labels == ["oud_onderwerp", "Toeslagen"]  # shared first
            # 0015 filled the contact's organisation and time into its category rows.
            assert {(row.organisation_id, row.at) for row in contact.categories} == {(1, now)}
            db.session.remove()
        downgrade(revision="0010")
        with db.engine.connect() as conn:
            meta = MetaData()
            meta.reflect(bind=conn)
            assert "question_category" not in meta.tables and "other_text" not in meta.tables["contact_category"].c
            assert conn.execute(select(meta.tables["contact_category"].c.category)).scalars().all()
        db.engine.dispose()
