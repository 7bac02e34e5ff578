"""The administrator's view of the processing log."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.models import Organisation, Role
from accounts.pagination import paginate
from accounts.policy import allow
from extensions import db
from extensions.dates import AMSTERDAM
from privacy import services
from privacy.forms import LogFilterForm

bp = Blueprint("privacy", __name__)



def _day_start(day):
    return datetime.combine(day, time.min, tzinfo=AMSTERDAM)


@bp.get("/beheer/verwerkingenlogboek")
@allow(Role.ADMIN, nav=_l("Verwerkingenlogboek"), nav_order=820)
def processing_log():
    form = LogFilterForm(request.args)
    form.action.choices = [("", _("Alle handelingen"))] + services.action_choices()
    form.subject_type.choices = [("", _("Alle soorten"))] + services.subject_type_choices()
    orgs = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars()
    form.organisation_id.choices = [(0, _("Alle organisaties"))] + [(o.id, o.name) for o in orgs]
    valid = form.validate() if request.args else True
    if valid and form.since.data and form.until.data and form.until.data < form.since.data:
        form.until.errors = [_("De einddatum ligt voor de begindatum.")]
        valid = False
    stmt = services.log_query(
        action=form.action.data or None if valid else None,
        subject_type=form.subject_type.data or None if valid else None,
        subject_id=form.subject_id.data if valid else None,
        organisation_id=form.organisation_id.data or None if valid else None,
        since=_day_start(form.since.data) if valid and form.since.data else None,
        until=_day_start(form.until.data + timedelta(days=1)) if valid and form.until.data else None,
    )
    page = paginate(stmt, size=50)
    return render_template("privacy/processing_log.html", form=form, page=page, actions=services.ACTIONS,
                           subjects=services.SUBJECT_TYPES, valid=valid)
