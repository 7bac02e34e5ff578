"""The processing log's read interface (administrator; the privacy officer once that role exists),
and the trace context of every request."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.forms import form_status, show_error
from accounts.models import Organisation, Role
from accounts.pagination import paginate
from accounts.policy import allow
from extensions import DomainError, db
from extensions.dates import AMSTERDAM
from privacy import services
from privacy.forms import LogFilterForm

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
