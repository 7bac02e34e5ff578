"""The processing log's read interface (administrator; the privacy officer once that role exists),
and the trace context of every request."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from accounts.forms import form_status, show_error
from accounts.models import Organisation, OrgKind, Role
from accounts.pagination import paginate
from accounts.policy import allow
from extensions import DomainError, db
from extensions.dates import AMSTERDAM
from privacy import registry, rights, services
from privacy.forms import CorrectionForm, DecisionForm, ErasureForm, HoldForm, LogFilterForm, PersonSearchForm

bp = Blueprint("privacy", __name__)


@bp.before_app_request
def _start_trace():
    # The trace (a caller's `traceparent`, or a new one) and the start of every processing in it.
    services.current_trace()


@bp.after_app_request
def _answer_trace(response):
    response.headers["traceresponse"] = services.traceresponse_header()
    return response


def _day_start(day):
    return datetime.combine(day, time.min, tzinfo=AMSTERDAM)


@bp.get("/beheer/verwerkingenlogboek")
@allow(Role.ADMIN, nav=_l("Verwerkingenlogboek"), nav_order=820)
def processing_log():
    form = LogFilterForm(request.args)
    form.person_type.choices = services.person_type_choices()
    form.activity.choices = [("", _("Alle activiteiten"))] + services.activity_choices()
    form.action.choices = [("", _("Alle handelingen"))] + services.action_choices()
    orgs = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars()
    form.organisation_id.choices = [(0, _("Alle organisaties"))] + [(o.id, o.name) for o in orgs]
    page = None
    if request.args and form.validate():
        if form.since.data and form.until.data and form.until.data < form.since.data:
            form.until.errors = [_("De einddatum ligt voor de begindatum.")]
        else:
            try:
                persons = (services.person_pseudonyms(form.person_type.data, form.person.data)
                           if form.person.data else None)
                stmt = services.log_query(
                    persons=persons, trace_id=(form.trace_id.data or "").strip().lower() or None,
                    activity_id=form.activity.data or None, action=form.action.data or None,
                    organisation_id=form.organisation_id.data or None,
                    since=_day_start(form.since.data) if form.since.data else None,
                    until=_day_start(form.until.data + timedelta(days=1)) if form.until.data else None)
            except DomainError as err:
                show_error(form, err)
            else:
                page = paginate(stmt, size=50, scalars=False)
    return render_template("privacy/processing_log.html", form=form, page=page, actions=services.ACTIONS,
                           person_types=services.PERSON_TYPES, statuses=services.STATUSES,
                           activity_of=services.activity_of), form_status(form)


# --- the rights of a person: the municipality's privacy officer ------------------------------------------

_MUNICIPALITY = (OrgKind.MUNICIPALITY,)


@bp.get("/privacy/personen")
@allow(Role.PRIVACY_OFFICER, kinds=_MUNICIPALITY, nav=_l("Personen (AVG)"), nav_order=700)
def persons():
    form = PersonSearchForm(request.args)
    found = None
    if form.q.data and form.validate():
        found = rights.find_persons(form.q.data, user=current_user)
        for person_type in {p.type for p in found}:
            services.record_list_read("privacy-rights", person_type, [p.id for p in found if p.type == person_type])
    return render_template("privacy/persons.html", form=form, found=found, types=registry.PERSON_TYPES), \
        form_status(form)


@bp.get("/privacy/personen/<person_type>/<int:person_id>")
@allow(Role.PRIVACY_OFFICER, kinds=_MUNICIPALITY)
def person(person_type: str, person_id: int):
    who = rights.person_or_404(person_type, person_id)
    data = rights.inzage(who, actor=current_user, form="pagina")
    hold_form = HoldForm()
    hold_form.reason.choices = [(k, str(v)) for k, v in rights.HOLD_REASONS.items()]
    return render_template("privacy/person.html", data=data, person=who, hold_form=hold_form,
                           on_hold=rights.on_hold(who.type, who.id),
                           erasure_reasons=rights.ERASURE_REASONS, erasure_statuses=rights.ERASURE_STATUSES)


@bp.get("/privacy/personen/<person_type>/<int:person_id>/brief")
@allow(Role.PRIVACY_OFFICER, kinds=_MUNICIPALITY)
def person_letter(person_type: str, person_id: int):
    who = rights.person_or_404(person_type, person_id)
    data = rights.inzage(who, actor=current_user, form="brief")
    return render_template("privacy/letter.html", data=data, person=who, erasure_reasons=rights.ERASURE_REASONS,
                           erasure_statuses=rights.ERASURE_STATUSES)


@bp.get("/privacy/personen/<person_type>/<int:person_id>/inzage.json")
@allow(Role.PRIVACY_OFFICER, kinds=_MUNICIPALITY)
def person_json(person_type: str, person_id: int):
    who = rights.person_or_404(person_type, person_id)
    data = rights.inzage_json(rights.inzage(who, actor=current_user, form="json"))
    response = jsonify(data)
    response.headers["Content-Disposition"] = f"attachment; filename=inzage-{who.type}-{who.id}.json"
    return response


@bp.route("/privacy/personen/<person_type>/<int:person_id>/verbeteren", methods=["GET", "POST"])
@allow(Role.PRIVACY_OFFICER, kinds=_MUNICIPALITY)
def correct(person_type: str, person_id: int):
    who = rights.person_or_404(person_type, person_id)
    form = CorrectionForm()
    form.field.choices = [("", _("Kies een gegeven"))] + [(k, str(v)) for k, v in
                                                          registry.PERSON_TYPES[who.type].fields.items()]
    if form.validate_on_submit():
        try:
            rights.correct(who, form.field.data, form.value.data, form.reason.data, actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Het gegeven is verbeterd. De oude waarde staat in de geschiedenis."), "success")
            return redirect(url_for("privacy.person", person_type=who.type, person_id=who.id))
    return render_template("privacy/correct.html", form=form, person=who), form_status(form)


@bp.route("/privacy/personen/<person_type>/<int:person_id>/wissen", methods=["GET", "POST"])
@allow(Role.PRIVACY_OFFICER, kinds=_MUNICIPALITY)
def erase(person_type: str, person_id: int):
    who = rights.person_or_404(person_type, person_id)
    form = ErasureForm()
    form.reason.choices = [("", _("Kies een reden"))] + [(k, str(v)) for k, v in rights.ERASURE_REASONS.items()]
    if form.validate_on_submit():
        try:
            rights.request_erasure(who, form.reason.data, actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Het wisverzoek is vastgelegd. Een tweede persoon moet het goedkeuren."), "success")
            return redirect(url_for("privacy.person", person_type=who.type, person_id=who.id))
    return render_template("privacy/erase.html", form=form, person=who, preview=rights.erasure_preview(who)), \
        form_status(form)


@bp.post("/privacy/personen/<person_type>/<int:person_id>/bewaarplicht")
@allow(Role.PRIVACY_OFFICER, kinds=_MUNICIPALITY)
def hold(person_type: str, person_id: int):
    who = rights.person_or_404(person_type, person_id)
    form = HoldForm()
    form.reason.choices = [(k, str(v)) for k, v in rights.HOLD_REASONS.items()]
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Kies een reden uit de lijst."))
        if request.form.get("lift"):
            rights.lift_hold(who, actor=current_user)
        else:
            rights.place_hold(who, form.reason.data, actor=current_user)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(_("De bewaarplicht is opgeheven.") if request.form.get("lift") else
              _("De bewaarplicht staat erop: niets van deze persoon wordt gewist."), "success")
    return redirect(url_for("privacy.person", person_type=who.type, person_id=who.id))


@bp.get("/privacy/wisverzoeken")
@allow(Role.PRIVACY_OFFICER, Role.COORDINATOR, kinds=_MUNICIPALITY, nav=_l("Wisverzoeken"), nav_order=710)
def erasures():
    return render_template("privacy/erasures.html", open_requests=rights.open_erasures(),
                           done=rights.recent_erasures(), reasons=rights.ERASURE_REASONS,
                           statuses=rights.ERASURE_STATUSES)


@bp.route("/privacy/wisverzoeken/<int:request_id>", methods=["GET", "POST"])
@allow(Role.PRIVACY_OFFICER, Role.COORDINATOR, kinds=_MUNICIPALITY)
def erasure(request_id: int):
    erasure_request = rights.erasure_for_user(request_id)
    who = rights.person_or_404(erasure_request.person_type, erasure_request.person_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            if request.form.get("refuse"):
                rights.refuse_erasure(erasure_request, actor=current_user)
                flash(_("Het wisverzoek is afgewezen."), "success")
            else:
                if not form.confirm.data:
                    raise DomainError(_("Vink aan dat u begrijpt dat wissen niet terug te draaien is."), "confirm")
                rights.approve_erasure(erasure_request, who, actor=current_user)
                flash(_("De gegevens zijn gewist of geanonimiseerd."), "success")
        except DomainError as err:
            show_error(form, err)
            erasure_request = rights.erasure_for_user(request_id)
        else:
            return redirect(url_for("privacy.erasures"))
    return render_template("privacy/erasure.html", form=form, erasure=erasure_request, person=who,
                           preview=rights.erasure_preview(who) if erasure_request.status == "requested" else [],
                           reasons=rights.ERASURE_REASONS, statuses=rights.ERASURE_STATUSES), form_status(form)


@bp.get("/privacy/bewaartermijnen")
@allow(Role.PRIVACY_OFFICER, kinds=_MUNICIPALITY, nav=_l("Bewaartermijnen"), nav_order=720)
def retention():
    return render_template("privacy/retention.html", rules=rights.retention_rules(),
                           preview=rights.retention_preview(current_user), runs=rights.recent_runs())
