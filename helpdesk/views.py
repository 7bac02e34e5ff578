"""The agencies' side: the agent logs a call and, when it could not be solved, refers the citizen;
the second line works its escalation queue, and the municipality follows its escalations."""
from __future__ import annotations

from flask import (
    Blueprint,
    before_render_template,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from accounts.forms import ConfirmForm, form_status, show_error
from accounts.models import OrgKind, Role
from accounts.pagination import paginate
from accounts.policy import allow
from extensions import DomainError
from helpdesk import services
from helpdesk.forms import (
    AnswerForm,
    AskForm,
    CloseForm,
    ClosureForm,
    ContactForm,
    EscalateForm,
    FollowUpForm,
    NoteForm,
    QueueFilterForm,
    ReassignForm,
    ReplyForm,
    SlaForm,
    UrgencyForm,
)
from helpdesk.models import CLOCK_LABELS, CLOCK_STATES, EscalationStatus
from privacy.services import record_list_read
from referrals.categories import filter_choices, other_field
from referrals.forms import ReferralForm, category_texts, referral_input, with_categories
from referrals.services import display_phone, participating_municipalities, record_read, referral_for_user

bp = Blueprint("helpdesk", __name__)


@bp.route("/klantcontact/nieuw", methods=["GET", "POST"])
@allow(Role.AGENT, nav=_l("Klantcontact vastleggen"), nav_order=10)
def contact_new():
    groups = services.contact_categories(current_user)
    form = with_categories(ContactForm, groups)
    if form.validate_on_submit():
        try:
            contact = services.log_contact(services.ContactInput(
                categories=form.categories.data or [], category_texts=category_texts(form), solved=form.solved.data,
                reason=form.reason.data, notes=form.notes.data or ""), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            if contact.solved:
                flash(_("Klantcontact vastgelegd: telefonisch opgelost."), "success")
                return redirect(url_for("helpdesk.contact_new"))
            return redirect(url_for("helpdesk.refer", contact_id=contact.id))
    status = form_status(form)
    return render_template("helpdesk/contact_new.html", form=form, groups=groups,
                           recent=services.recent_contacts(current_user, limit=5)), status


@bp.route("/klantcontact/<int:contact_id>/verwijzen", methods=["GET", "POST"])
@allow(Role.AGENT)
def refer(contact_id: int):
    contact = services.contact_for_user(contact_id)
    if contact.solved:
        flash(_("Deze vraag is telefonisch opgelost; er is geen verwijzing nodig."), "info")
        return redirect(url_for("helpdesk.contact_new"))
    if contact.referral_id:
        return redirect(url_for("referrals.book", referral_id=contact.referral_id))
    form = ReferralForm()
    municipalities = participating_municipalities()
    form.municipality_id.choices = [(0, _("Volgens de postcode"))] + [(m.id, m.name) for m in municipalities]
    if not form.is_submitted():
        form.notes.data = contact.notes
    if form.validate_on_submit():
        try:
            referral = services.refer_contact(contact, referral_input(form), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            return redirect(url_for("referrals.book", referral_id=referral.id))
    status = form_status(form)
    return render_template("helpdesk/refer.html", form=form, contact=contact), status


# === the second-line escalation queue ===========================================================

AGENCY_SIDE = (Role.SECOND_LINE, Role.LEAD)
AGENCY = (OrgKind.AGENCY,)  # a lead is a role of municipalities too: these pages are the agency's
MUNICIPAL = (Role.COUNTER, Role.COORDINATOR)


# --- the counter escalates ------------------------------------------------------------------------------

@bp.route("/balie/verwijzingen/<int:referral_id>/escaleren", methods=["GET", "POST"])
@allow(*MUNICIPAL)
def escalate(referral_id: int):
    referral = referral_for_user(referral_id)
    refusal = services.escalation_refusal(referral)
    if refusal:
        flash(refusal, "info")
        existing = services.current_escalation(referral.id)
        if existing is not None and existing.status != EscalationStatus.DRAFT:
            return redirect(url_for("helpdesk.municipal_escalation", escalation_id=existing.id))
        return redirect(url_for("referrals.detail", referral_id=referral.id))
    groups = services.escalation_categories(referral)
    form = with_categories(EscalateForm, groups)
    agencies = services.participating_agencies()
    form.agency_id.choices = [(a.id, a.name) for a in agencies]
    draft = services.current_escalation(referral.id)
    if not form.is_submitted():
        form.agency_id.data = referral.referring_org_id
        form.categories.data = referral.category_codes
        for row in referral.categories:
            if row.other_text and other_field(row.code) in form:
                form[other_field(row.code)].data = row.other_text
        form.urgency.data = "normal"
        if draft is not None and draft.status == EscalationStatus.DRAFT:
            form.need.data = draft.need
    if form.validate_on_submit():
        try:
            escalation = services.send_escalation(referral, services.EscalationInput(
                agency_id=form.agency_id.data, need=form.need.data or "", categories=form.categories.data or [],
                category_texts=category_texts(form), urgency=form.urgency.data or "", consent=bool(form.consent.data)), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Verstuurd naar de tweede lijn. U ziet hier wat er mee gebeurt."), "success")
            return redirect(url_for("helpdesk.municipal_escalation", escalation_id=escalation.id))
    status = form_status(form)
    record_read(referral, actor=current_user, activity="escalation")
    return render_template("helpdesk/escalate.html", form=form, groups=groups, referral=referral,
                           citizen=referral.citizen), status


# --- the agency's queue ---------------------------------------------------------------------------------

@bp.get("/tweede-lijn")
@allow(*AGENCY_SIDE, nav=_l("Escalaties tweede lijn"), nav_order=12, kinds=AGENCY)
def queue():
    filters = QueueFilterForm(request.args)
    municipalities = services.queue_municipalities(current_user.organisation_id)
    filters.municipality_id.choices = [("", _("Alle"))] + [(m.id, m.name) for m in municipalities]
    filters.category.choices = [("", _("Alle"))] + filter_choices(current_user.organisation_id)
    filters.validate()
    tab = request.args.get("tab") if request.args.get("tab") in services.QUEUE_TABS else "nieuw"
    page = paginate(services.queue_query(current_user, services.QueueFilter(
        tab=tab, urgency=filters.urgency.data or "", category=filters.category.data or "",
        municipality_id=filters.municipality_id.data, q=filters.q.data or "")))
    html = render_template("helpdesk/queue.html", page=page, filters=filters, tab=tab, tabs=QUEUE_TAB_LABELS,
                           counts=services.queue_counts(current_user),
                           clocks=services.clocks_for(page.items, current_user.organisation_id),
                           confirm=ConfirmForm(), labels=CLOCK_LABELS, states=CLOCK_STATES)
    record_list_read("escalation", "referral", [e.referral_id for e in page.items])  # commits
    return html


QUEUE_TAB_LABELS = {"nieuw": _l("Nieuw"), "mijn": _l("Door mij opgepakt"), "anderen": _l("Door anderen opgepakt"),
                    "wachtend": _l("Wachtend"), "beantwoord": _l("Beantwoord")}


def _agency_detail(escalation, status: int = 200, **forms):
    colleagues = services.second_line_colleagues(escalation.agency_id)
    reassign_form = forms.get("reassign") or ReassignForm(formdata=None)
    reassign_form.user_id.choices = [(u.id, u.name) for u in colleagues]
    urgency_form = forms.get("urgency") or UrgencyForm(formdata=None, urgency=escalation.urgency)
    html = render_template(
        "helpdesk/escalation.html", escalation=escalation, referral=escalation.referral,
        citizen=escalation.referral.citizen, events=services.public_events(escalation),
        notes=services.notes_of(escalation, current_user),
        clocks=services.clocks_of(escalation, list(escalation.events)), labels=CLOCK_LABELS, states=CLOCK_STATES,
        note_form=forms.get("note") or NoteForm(formdata=None), answer_form=forms.get("answer") or AnswerForm(
            formdata=None), ask_form=forms.get("ask") or AskForm(formdata=None), urgency_form=urgency_form,
        reassign_form=reassign_form, confirm=ConfirmForm(), phone=display_phone,
        is_owner=escalation.claimed_by_id == current_user.id, is_lead=current_user.role_enum == Role.LEAD,
        open_statuses=services.OPEN_STATUSES)
    services.record_escalation_read(escalation, actor=current_user)
    return html, status


@bp.get("/tweede-lijn/escalaties/<int:escalation_id>")
@allow(*AGENCY_SIDE, kinds=AGENCY)
def escalation(escalation_id: int):
    return _agency_detail(services.escalation_for_agency(escalation_id))


def _confirmed_action(escalation_id: int, action, success: str):
    escalation = services.escalation_for_agency(escalation_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("De pagina was verlopen. Probeer het opnieuw."), "error")
    else:
        try:
            action(escalation)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(success, "success")
    return redirect(url_for("helpdesk.escalation", escalation_id=escalation_id))


@bp.post("/tweede-lijn/escalaties/<int:escalation_id>/oppakken")
@allow(Role.SECOND_LINE)
def claim(escalation_id: int):
    return _confirmed_action(escalation_id, lambda e: services.claim(e, actor=current_user),
                             _("U heeft de escalatie opgepakt."))


@bp.post("/tweede-lijn/escalaties/<int:escalation_id>/vrijgeven")
@allow(*AGENCY_SIDE, kinds=AGENCY)
def release(escalation_id: int):
    return _confirmed_action(escalation_id, lambda e: services.release(e, actor=current_user),
                             _("De escalatie staat weer in de wachtrij."))


def _posted(escalation_id: int, form, key: str, action, success: str):
    """A form on the escalation page: the service decides; errors show next to the field."""
    escalation = services.escalation_for_agency(escalation_id)
    if form.validate_on_submit():
        try:
            action(escalation, form)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(success, "success")
            return redirect(url_for("helpdesk.escalation", escalation_id=escalation_id))
    if not form.errors and not form.form_errors:
        form.form_errors.append(_("De pagina was verlopen. Probeer het opnieuw."))
    return _agency_detail(services.escalation_for_agency(escalation_id), form_status(form), **{key: form})


@bp.post("/tweede-lijn/escalaties/<int:escalation_id>/toewijzen")
@allow(Role.LEAD, kinds=AGENCY)
def reassign(escalation_id: int):
    form = ReassignForm()
    form.user_id.choices = [(u.id, u.name) for u in services.second_line_colleagues(current_user.organisation_id)]
    return _posted(escalation_id, form, "reassign",
                   lambda e, f: services.reassign(e, f.user_id.data, actor=current_user),
                   _("De escalatie is toegewezen."))


@bp.post("/tweede-lijn/escalaties/<int:escalation_id>/notitie")
@allow(*AGENCY_SIDE, kinds=AGENCY)
def note(escalation_id: int):
    return _posted(escalation_id, NoteForm(), "note",
                   lambda e, f: services.add_note(e, f.note.data or "", actor=current_user),
                   _("Interne notitie opgeslagen."))


@bp.post("/tweede-lijn/escalaties/<int:escalation_id>/antwoord")
@allow(Role.SECOND_LINE)
def answer(escalation_id: int):
    return _posted(escalation_id, AnswerForm(), "answer",
                   lambda e, f: services.answer_municipality(e, f.answer_text.data or "", actor=current_user),
                   _("Antwoord aan de gemeente verstuurd."))


@bp.post("/tweede-lijn/escalaties/<int:escalation_id>/vraag")
@allow(Role.SECOND_LINE)
def ask(escalation_id: int):
    return _posted(escalation_id, AskForm(), "ask",
                   lambda e, f: services.ask(e, f.who.data or "", f.question.data or "", actor=current_user),
                   _("Vraag verstuurd. De klok staat stil tot de gemeente antwoordt."))


@bp.post("/tweede-lijn/escalaties/<int:escalation_id>/urgentie")
@allow(*AGENCY_SIDE, kinds=AGENCY)
def urgency(escalation_id: int):
    return _posted(escalation_id, UrgencyForm(), "urgency",
                   lambda e, f: services.change_urgency(e, f.urgency.data or "", actor=current_user),
                   _("Urgentie gewijzigd."))


@bp.route("/tweede-lijn/escalaties/<int:escalation_id>/afronden", methods=["GET", "POST"])
@allow(Role.SECOND_LINE)
def close(escalation_id: int):
    escalation = services.escalation_for_agency(escalation_id)
    if escalation.status == EscalationStatus.CLOSED:
        flash(_("Deze escalatie is al afgerond."), "info")
        return redirect(url_for("helpdesk.escalation", escalation_id=escalation_id))
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close(escalation, form.result.data or "", form.answer.data or "", actor=current_user)
        except DomainError as err:
            show_error(form, err)
            escalation = services.escalation_for_agency(escalation_id)
        else:
            flash(_("Afgerond. De gemeente ziet het antwoord."), "success")
            return redirect(url_for("helpdesk.escalation", escalation_id=escalation_id))
    services.record_escalation_read(escalation, actor=current_user)
    return render_template("helpdesk/close.html", form=form, escalation=escalation,
                           citizen=escalation.referral.citizen), form_status(form)


# --- the agency lead ------------------------------------------------------------------------------------

@bp.get("/tweede-lijn/bewaking")
@allow(Role.LEAD, nav=_l("Bewaking tweede lijn"), nav_order=55, kinds=AGENCY)
def lead_overview():
    page = paginate(services.breaches_query(current_user.organisation_id))
    html = render_template("helpdesk/lead.html", page=page, labels=CLOCK_LABELS,
                           settings=services.settings_of(current_user.organisation_id))
    record_list_read("escalation", "referral", [a.escalation.referral_id for a in page.items])
    return html


@bp.route("/tweede-lijn/instellingen", methods=["GET", "POST"])
@allow(Role.LEAD, kinds=AGENCY)
def settings():
    agency_id = current_user.organisation_id
    current = services.settings_of(agency_id)
    form = SlaForm(obj=None if request.method == "POST" else current)
    closure_form = ClosureForm(formdata=None)
    if form.validate_on_submit():
        try:
            services.save_settings(agency_id, services.SlaInput(
                form.first_response_hours.data, form.update_hours.data, form.resolution_hours.data,
                form.idle_claim_hours.data), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Servicenormen opgeslagen."), "success")
            return redirect(url_for("helpdesk.settings"))
    return _settings_page(form, closure_form)


def _settings_page(form, closure_form):
    return render_template("helpdesk/settings.html", form=form, closure_form=closure_form,
                           closures=services.closures_of(current_user.organisation_id),
                           confirm=ConfirmForm()), max(form_status(form), form_status(closure_form))


@bp.post("/tweede-lijn/instellingen/sluitingsdagen")
@allow(Role.LEAD, kinds=AGENCY)
def add_closure():
    closure_form = ClosureForm()
    if closure_form.validate_on_submit():
        try:
            services.add_closure(current_user.organisation_id, closure_form.day.data, closure_form.reason.data or "",
                                 actor=current_user)
        except DomainError as err:
            show_error(closure_form, err)
        else:
            flash(_("Sluitingsdag toegevoegd."), "success")
            return redirect(url_for("helpdesk.settings"))
    return _settings_page(SlaForm(formdata=None, obj=services.settings_of(current_user.organisation_id)),
                          closure_form)


@bp.post("/tweede-lijn/instellingen/sluitingsdagen/<int:closure_id>/verwijderen")
@allow(Role.LEAD, kinds=AGENCY)
def remove_closure(closure_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_closure(current_user.organisation_id, closure_id, actor=current_user)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("Sluitingsdag verwijderd."), "success")
    return redirect(url_for("helpdesk.settings"))


# --- the municipality -----------------------------------------------------------------------------------

@bp.get("/gemeente/escalaties")
@allow(*MUNICIPAL, nav=_l("Escalaties"), nav_order=32)
def municipal_escalations():
    page = paginate(services.municipal_query(current_user))
    html = render_template("helpdesk/municipal_list.html", page=page)
    record_list_read("escalation", "referral", [e.referral_id for e in page.items])
    return html


def _municipal_detail(escalation, status: int = 200, reply_form=None, follow_form=None):
    html = render_template(
        "helpdesk/municipal_escalation.html", escalation=escalation, referral=escalation.referral,
        citizen=escalation.referral.citizen, events=services.public_events(escalation),
        reply_form=reply_form or ReplyForm(formdata=None), follow_form=follow_form or FollowUpForm(formdata=None))
    services.record_escalation_read(escalation, actor=current_user)
    return html, status


@bp.get("/gemeente/escalaties/<int:escalation_id>")
@allow(*MUNICIPAL)
def municipal_escalation(escalation_id: int):
    escalation = services.escalation_for_municipality(escalation_id)
    if escalation.status == EscalationStatus.DRAFT:
        return redirect(url_for("helpdesk.escalate", referral_id=escalation.referral_id))
    return _municipal_detail(escalation)


@bp.post("/gemeente/escalaties/<int:escalation_id>/antwoord")
@allow(*MUNICIPAL)
def municipal_reply(escalation_id: int):
    escalation = services.escalation_for_municipality(escalation_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            services.municipality_reply(escalation, form.reply.data or "", actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Antwoord verstuurd naar de tweede lijn."), "success")
            return redirect(url_for("helpdesk.municipal_escalation", escalation_id=escalation_id))
    if not form.errors and not form.form_errors:
        form.form_errors.append(_("De pagina was verlopen. Probeer het opnieuw."))
    return _municipal_detail(services.escalation_for_municipality(escalation_id), form_status(form), reply_form=form)


@bp.post("/gemeente/escalaties/<int:escalation_id>/inwoner")
@allow(*MUNICIPAL)
def follow_up(escalation_id: int):
    escalation = services.escalation_for_municipality(escalation_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            how = services.follow_up(escalation, form.how.data or "", actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash({"sms": _("De inwoner krijgt een sms."), "letter": _("Er staat een brief klaar bij de taken."),
                   "call": _("Bel de inwoner: de taak staat bij de taken."),
                   "none": _("Afgehandeld: de inwoner krijgt geen bericht.")}[how], "success")
            return redirect(url_for("helpdesk.municipal_escalation", escalation_id=escalation_id))
    if not form.errors and not form.form_errors:
        form.form_errors.append(_("De pagina was verlopen. Probeer het opnieuw."))
    return _municipal_detail(services.escalation_for_municipality(escalation_id), form_status(form),
                             follow_form=form)


# --- the escalation on the referral's pages (no query in a template, no import from below) ---------------

@before_render_template.connect
def _escalation_on_referral_pages(sender, template, context, **_kwargs):
    """The referral page and the counter's result page show the referral's escalation: its status
    and, for the municipality, the answer and a link to the escalation. Read here, in helpdesk, so
    the referrals and counter views need not know about the second line."""
    if template.name not in ("referrals/detail.html", "counter/result.html") or not has_request_context():
        return
    referral = context.get("referral")
    if referral is None or not current_user.is_authenticated:
        return
    municipal = current_user.organisation_id == referral.municipality_id
    if not municipal and current_user.organisation_id != referral.referring_org_id:
        return
    context["escalation_panel"] = {"escalation": services.current_escalation(referral.id), "municipal": municipal,
                                   "refusal": services.escalation_refusal(referral) if municipal else None}
