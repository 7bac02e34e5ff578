"""The coordinator's pages for volunteer buddies. Thin: volunteers.services decides.

The inbound-SMS handler is registered with messaging when the blueprint is registered."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from accounts.forms import ConfirmForm, form_status, show_error
from accounts.models import Role
from accounts.pagination import paginate
from accounts.policy import allow
from extensions import DomainError
from extensions.dates import AMSTERDAM
from messaging.services import register_inbound_handler
from referrals.services import agency_line, display_phone
from volunteers import services as vs
from volunteers.forms import (
    EndForm,
    OfferForm,
    PairForm,
    SearchForm,
    SimulateForm,
    StatusForm,
    VogForm,
    VolunteerFilterForm,
    VolunteerForm,
)
from volunteers.models import DAYPARTS, OFFER_STATUSES, SKILLS, SPOKEN, STATUSES, WEEKDAYS

bp = Blueprint("volunteers", __name__)
bp.record_once(lambda state: register_inbound_handler(vs.handle_inbound_sms))

LABELS = dict(spoken=SPOKEN, skills=SKILLS, weekdays=WEEKDAYS, dayparts=DAYPARTS, statuses=STATUSES,
              offer_statuses=OFFER_STATUSES)


def _int(value) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdecimal() and len(text) < 4 else None


def _input(form: VolunteerForm) -> vs.VolunteerInput:
    return vs.VolunteerInput(name=form.name.data or "", phone=form.phone.data or "", postcode=form.postcode.data or "",
                             language=form.language.data or "", languages=form.languages.data or [],
                             skills=form.skills.data or [], weekdays=form.weekdays.data or [],
                             dayparts=form.dayparts.data or [], max_buddies=_int(form.max_buddies.data),
                             notes=form.notes.data or "")


# --- the registry ------------------------------------------------------------------------------------------

@bp.get("/gemeente/vrijwilligers")
@allow(Role.COORDINATOR, nav=_l("Vrijwilligers"), nav_order=58)
def index():
    filters = VolunteerFilterForm(request.args)
    status = filters.status.data if filters.status.data in STATUSES else None
    page = paginate(vs.volunteers_query(current_user.organisation_id, status))
    html = render_template("volunteers/index.html", page=page, filters=filters, phone=display_phone,
                           offers_90=vs.offers_last_90_days([v.id for v in page.items]), **LABELS)
    vs.record_volunteer_list([v.id for v in page.items], activity="volunteer")
    return html


@bp.route("/gemeente/vrijwilligers/nieuw", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def new():
    form = VolunteerForm()
    if not form.is_submitted():
        form.languages.data = ["nl"]
    if form.validate_on_submit():
        try:
            volunteer = vs.register_volunteer(current_user.organisation_id, _input(form), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Vrijwilliger geregistreerd. Er is een sms met een code gestuurd: het nummer is bevestigd zodra "
                    "de vrijwilliger die code terugstuurt."), "success")
            return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))
    return render_template("volunteers/form.html", form=form, volunteer=None), form_status(form)


@bp.route("/gemeente/vrijwilligers/<int:volunteer_id>/bewerken", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def edit(volunteer_id: int):
    volunteer = vs.volunteer_for_user(volunteer_id)
    form = VolunteerForm()
    if not form.is_submitted():
        form.name.data, form.phone.data, form.postcode.data = volunteer.name, display_phone(volunteer.phone_e164), \
            volunteer.postcode
        form.language.data, form.languages.data, form.skills.data = volunteer.language, volunteer.language_codes, \
            volunteer.skill_codes
        form.weekdays.data, form.dayparts.data = volunteer.weekday_codes, volunteer.daypart_codes
        form.max_buddies.data, form.notes.data = str(volunteer.max_buddies), volunteer.notes
        vs.record_read(volunteer_id=volunteer.id, activity="volunteer")
    if form.validate_on_submit():
        try:
            vs.update_volunteer(volunteer, _input(form), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Gegevens opgeslagen."), "success")
            return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))
    return render_template("volunteers/form.html", form=form, volunteer=volunteer), form_status(form)


def _detail(volunteer, *, status_form=None, simulate_form=None, reply=None, code=200):
    view = vs.volunteer_detail(volunteer)
    status_form = status_form or StatusForm(formdata=None, status=volunteer.status)
    simulate_form = simulate_form or SimulateForm(formdata=None)
    html = render_template("volunteers/detail.html", view=view, v=view.volunteer, status_form=status_form,
                           simulate_form=simulate_form, reply=reply, confirm=ConfirmForm(), phone=display_phone,
                           simulation=vs.simulation_allowed(), **LABELS)
    vs.record_read(volunteer_id=volunteer.id, activity="volunteer")
    return html, code


@bp.get("/gemeente/vrijwilligers/<int:volunteer_id>")
@allow(Role.COORDINATOR)
def detail(volunteer_id: int):
    return _detail(vs.volunteer_for_user(volunteer_id))


@bp.route("/gemeente/vrijwilligers/<int:volunteer_id>/status", methods=["GET", "POST"])  # GET (a reload): back to the page with the form
@allow(Role.COORDINATOR)
def status(volunteer_id: int):
    if request.method == "GET":
        return redirect(url_for("volunteers.detail", volunteer_id=volunteer_id))
    volunteer = vs.volunteer_for_user(volunteer_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            vs.set_status(volunteer, form.status.data or "", actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Status gewijzigd."), "success")
            return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))
    return _detail(vs.volunteer_for_user(volunteer_id), status_form=form, code=422)


@bp.route("/gemeente/vrijwilligers/<int:volunteer_id>/code", methods=["GET", "POST"])  # GET (a reload): back to the page with the form
@allow(Role.COORDINATOR)
def resend_code(volunteer_id: int):
    if request.method == "GET":
        return redirect(url_for("volunteers.detail", volunteer_id=volunteer_id))
    volunteer = vs.volunteer_for_user(volunteer_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            vs.resend_confirm_code(volunteer, actor=current_user)
            flash(_("Nieuwe code gestuurd."), "success")
        except DomainError as err:
            flash(err.message, "error")
    return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))


@bp.route("/gemeente/vrijwilligers/<int:volunteer_id>/sms-nabootsen", methods=["GET", "POST"])  # GET (a reload): back to the page with the form
@allow(Role.COORDINATOR)
def simulate(volunteer_id: int):
    if request.method == "GET":
        return redirect(url_for("volunteers.detail", volunteer_id=volunteer_id))
    volunteer = vs.volunteer_for_user(volunteer_id)
    form = SimulateForm()
    reply = None
    if form.validate_on_submit():
        try:
            reply = vs.simulate_reply(volunteer, form.body.data or "", actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Sms ontvangen van de vrijwilliger."), "success")
            reply = reply or _("(geen antwoord)")
            form = SimulateForm(formdata=None)
    return _detail(vs.volunteer_for_user(volunteer_id), simulate_form=form, reply=reply, code=form_status(form))


@bp.route("/gemeente/vrijwilligers/<int:volunteer_id>/vog", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def vog(volunteer_id: int):
    volunteer = vs.volunteer_for_user(volunteer_id)
    form = VogForm()
    if form.validate_on_submit():
        try:
            vs.record_vog(volunteer, issued_on=form.issued_on.data, outcome=form.outcome.data or "",
                          actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("VOG-controle vastgelegd."), "success")
            return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))
    vs.record_read(volunteer_id=volunteer.id, activity="volunteer")
    return render_template("volunteers/vog.html", form=form, v=volunteer), form_status(form)


# --- the waiting list and matching ----------------------------------------------------------------------------

@bp.get("/gemeente/maatjes")
@allow(Role.COORDINATOR, nav=_l("Maatjes zoeken"), nav_order=60)
def matching():
    page = paginate(vs.waiting_query(current_user.organisation_id))
    html = render_template("volunteers/matching.html", page=page, phone=display_phone)
    vs.record_referral_list([s.referral_id for s in page.items])
    return html


@bp.get("/gemeente/maatjes/verwijzing/<int:referral_id>")
@allow(Role.COORDINATOR)
def for_referral(referral_id: int):
    """From the referral page: this citizen's buddy search, if there is one."""
    found = vs.search_of_referral(referral_id, current_user.organisation_id)
    if found is None:
        flash(_("Voor deze verwijzing wordt geen maatje gezocht."), "info")
        return redirect(url_for("volunteers.matching"))
    return redirect(url_for("volunteers.search", search_id=found.id))


def _search_page(search, *, settings=None, pair_form=None, code=200):
    relax = frozenset(request.args.getlist("versoepel"))
    result = vs.match(search, relax) if search.status == "searching" else None
    settings = settings or SearchForm(formdata=None, planned_start=search.planned_start, language=search.language,
                                      auto_next=search.auto_next)
    html = render_template("volunteers/search.html", search=search, citizen=search.citizen,
                           referral=search.referral, result=result, offers=vs.offers_of_search(search),
                           settings=settings, offer_form=OfferForm(formdata=None), phone=display_phone,
                           relax=relax, need=vs.needed_skills(search.referral), confirm=ConfirmForm(),
                           pair_form=pair_form or PairForm(formdata=None), **LABELS)
    vs.record_read(referral_id=search.referral_id, activity="buddy")
    if result is not None:  # the volunteers proposed, with their languages, postcode areas and load
        vs.record_volunteer_list([c.volunteer.id for c in result.ranked], activity="buddy")
    return html, code


@bp.route("/gemeente/maatjes/<int:search_id>", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def search(search_id: int):
    found = vs.search_for_user(search_id)
    form = SearchForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                vs.update_search(found, planned_start=form.planned_start.data, language=form.language.data or "",
                                 auto_next=bool(form.auto_next.data), actor=current_user)
            except DomainError as err:
                show_error(form, err)
            else:
                flash(_("Zoekinstellingen opgeslagen."), "success")
                return redirect(url_for("volunteers.search", search_id=search_id))
        return _search_page(vs.search_for_user(search_id), settings=form, code=422)
    return _search_page(found)


@bp.route("/gemeente/maatjes/<int:search_id>/aanbod", methods=["GET", "POST"])  # GET (a reload): back to the page with the form
@allow(Role.COORDINATOR)
def offer(search_id: int):
    if request.method == "GET":
        return redirect(url_for("volunteers.search", search_id=search_id))
    found = vs.search_for_user(search_id)
    form = OfferForm()
    relax = frozenset(r for r in (form.relax.data or "").split(",") if r)
    if form.validate_on_submit():
        volunteer_id = (form.volunteer_id.data or "").strip()
        try:
            if not volunteer_id.isdecimal() or len(volunteer_id) > 12:
                raise DomainError(_("Kies een vrijwilliger uit de lijst."))
            sent = vs.send_offer(found, int(volunteer_id), actor=current_user, relax=relax)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("Aanbod %(code)s gestuurd. De vrijwilliger antwoordt met JA of NEE.", code=sent.code), "success")
    return redirect(url_for("volunteers.search", search_id=search_id))


@bp.route("/gemeente/maatjes/<int:search_id>/koppelen", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def pair(search_id: int):
    found = vs.search_for_user(search_id)
    form = PairForm()
    if form.validate_on_submit():
        first = None
        if form.first_day.data and form.first_time.data:
            first = datetime.combine(form.first_day.data, form.first_time.data, AMSTERDAM)
        try:
            pairing = vs.confirm_pairing(found, first_visit_at=first, actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Koppeling bevestigd. De vrijwilliger en de inwoner krijgen bericht."), "success")
            return redirect(url_for("volunteers.pairing", pairing_id=pairing.id))
        return _search_page(vs.search_for_user(search_id), pair_form=form, code=422)
    if request.method == "POST":
        return _search_page(vs.search_for_user(search_id), pair_form=form, code=422)
    return redirect(url_for("volunteers.search", search_id=search_id))


@bp.route("/gemeente/maatjes/<int:search_id>/niet-koppelen", methods=["GET", "POST"])  # GET (a reload): back to the page with the form
@allow(Role.COORDINATOR)
def reopen(search_id: int):
    if request.method == "GET":
        return redirect(url_for("volunteers.search", search_id=search_id))
    found = vs.search_for_user(search_id)
    if ConfirmForm().validate_on_submit():
        try:
            vs.reopen_search(found, actor=current_user)
            flash(_("Niet gekoppeld. U kunt iemand anders vragen."), "success")
        except DomainError as err:
            flash(err.message, "error")
    return redirect(url_for("volunteers.search", search_id=search_id))


# --- pairings ---------------------------------------------------------------------------------------------------

@bp.get("/gemeente/koppelingen")
@allow(Role.COORDINATOR, nav=_l("Maatje-koppelingen"), nav_order=61)
def pairings():
    ended = request.args.get("status") == "beeindigd"
    page = paginate(vs.pairings_query(current_user.organisation_id, active=not ended))
    attention = [] if ended else vs.attention_list(current_user.organisation_id)
    html = render_template("volunteers/pairings.html", page=page, attention=attention, ended=ended)
    vs.record_pairing_list([p.id for p in page.items] + [p.id for p in attention])
    return html


def _pairing_page(pairing, *, end_form=None, code=200):
    referral = pairing.referral
    html = render_template("volunteers/pairing.html", p=pairing, referral=referral, citizen=referral.citizen,
                           visits=vs.visits_of(pairing), end_form=end_form or EndForm(formdata=None),
                           confirm=ConfirmForm(), phone=display_phone, line=agency_line(referral))
    vs.record_read(volunteer_id=pairing.volunteer_id, referral_id=pairing.referral_id, activity="buddy")
    return html, code


@bp.get("/gemeente/koppelingen/<int:pairing_id>")
@allow(Role.COORDINATOR)
def pairing(pairing_id: int):
    return _pairing_page(vs.pairing_for_user(pairing_id))


@bp.route("/gemeente/koppelingen/<int:pairing_id>/beeindigen", methods=["GET", "POST"])  # GET (a reload): back to the page with the form
@allow(Role.COORDINATOR)
def end(pairing_id: int):
    if request.method == "GET":
        return redirect(url_for("volunteers.pairing", pairing_id=pairing_id))
    found = vs.pairing_for_user(pairing_id)
    form = EndForm()
    if form.validate_on_submit():
        try:
            vs.end_pairing(found, reason=form.reason.data or "", actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Koppeling beëindigd. De vrijwilliger en de inwoner krijgen bericht."), "success")
            return redirect(url_for("volunteers.pairing", pairing_id=pairing_id))
    return _pairing_page(vs.pairing_for_user(pairing_id), end_form=form, code=422)


@bp.route("/gemeente/koppelingen/<int:pairing_id>/verlengen", methods=["GET", "POST"])  # GET (a reload): back to the page with the form
@allow(Role.COORDINATOR)
def extend(pairing_id: int):
    if request.method == "GET":
        return redirect(url_for("volunteers.pairing", pairing_id=pairing_id))
    found = vs.pairing_for_user(pairing_id)
    if ConfirmForm().validate_on_submit():
        try:
            vs.extend_pairing(found, actor=current_user)
            flash(_("Koppeling met twaalf maanden verlengd."), "success")
        except DomainError as err:
            flash(err.message, "error")
    return redirect(url_for("volunteers.pairing", pairing_id=pairing_id))


@bp.route("/gemeente/koppelingen/<int:pairing_id>/aandacht-afgehandeld", methods=["GET", "POST"])  # GET (a reload): back to the page with the form
@allow(Role.COORDINATOR)
def attention_done(pairing_id: int):
    if request.method == "GET":
        return redirect(url_for("volunteers.pairing", pairing_id=pairing_id))
    found = vs.pairing_for_user(pairing_id)
    if ConfirmForm().validate_on_submit():
        vs.handled_attention(found, actor=current_user)
        flash(_("Afgehandeld."), "success")
    return redirect(url_for("volunteers.pairing", pairing_id=pairing_id))
