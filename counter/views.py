"""The counter: day list, a citizen's visit, check-in, no-show, outcome, and the
coordinator's lists of citizens waiting for a buddy and of delayed referrals. Thin: the services
decide."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from accounts.forms import ConfirmForm, form_status, show_error
from accounts.models import Role
from accounts.pagination import paginate
from accounts.policy import allow
from counter import services as cs
from counter.forms import DayListForm, OutcomeForm
from counter.models import SOLUTIONS
from courses import services as course_services
from extensions import DomainError
from extensions.dates import local_today
from privacy.services import record_list_read
from referrals import services as booking
from referrals.vocabulary import AppointmentStatus, Status

bp = Blueprint("counter", __name__)

MUNICIPAL = (Role.COUNTER, Role.COORDINATOR)




# --- the day list -------------------------------------------------------------------------------------

@bp.get("/balie/daglijst")
@allow(*MUNICIPAL, nav=_l("Daglijst balie"), nav_order=10)
def day_list():
    locations = booking.locations_of(current_user.organisation_id)
    form = DayListForm(request.args)
    form.locatie.choices = [(loc.id, loc.name) for loc in locations]
    form.validate()
    day = form.datum.data if isinstance(form.datum.data, date) and not form.datum.errors else local_today()
    location = cs.day_list_location(form.locatie.data, locations)  # 404 for another municipality's
    page, outcomes = None, {}
    if location is not None:
        form.locatie.data = location.id
        page = paginate(cs.day_list_query(location.id, day), size=50)
        outcomes = cs.outcomes_for([a.referral_id for a in page.items])
    form.datum.data = day
    if page is not None:
        cs.record_day_list_read([a.referral.citizen_id for a in page.items])
    return render_template("counter/day_list.html", form=form, location=location, day=day, page=page,
                           outcomes=outcomes, today=local_today(), confirm=ConfirmForm())


# --- one visit ------------------------------------------------------------------------------------------

@bp.get("/balie/afspraken/<int:appointment_id>")
@allow(*MUNICIPAL)
def visit(appointment_id: int):
    appointment = booking.appointment_for_user(appointment_id)
    referral = booking.referral_for_user(appointment.referral_id)
    html = render_template(
        "counter/visit.html", appointment=appointment, referral=referral, citizen=referral.citizen,
        visit=cs.visit_of(appointment.id), outcome=cs.outcome_of(referral.id),
        agency=cs.organisation_name(referral.referring_org_id),
        enrolment=course_services.active_enrolment(referral.id), phone=booking.display_phone,
        confirm=ConfirmForm(), today=local_today(), booked=AppointmentStatus.BOOKED)
    cs.record_visit_read(appointment.id, appointment.referral_id, citizen_id=referral.citizen_id, actor=current_user)
    return html


@bp.post("/balie/afspraken/<int:appointment_id>/aanmelden")
@allow(*MUNICIPAL)
def check_in(appointment_id: int):
    appointment = booking.appointment_for_user(appointment_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("De pagina was verlopen. Probeer het opnieuw."), "error")
        return redirect(url_for("counter.visit", appointment_id=appointment.id))
    if (appointment.status == AppointmentStatus.BOOKED and cs.check_in_is_early(appointment)
            and request.form.get("vroeg") != "1"):
        # Far before the appointment: probably the wrong row or the wrong day. Ask first.
        return render_template("counter/check_in_early.html", form=ConfirmForm(), appointment=appointment,
                               citizen=appointment.referral.citizen)
    try:
        cs.check_in(appointment, actor=current_user)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("counter.visit", appointment_id=appointment_id))
    flash(_("%(name)s is er. Leg na het gesprek de uitkomst vast.", name=appointment.referral.citizen.name),
          "success")
    return redirect(url_for("counter.visit", appointment_id=appointment_id))


@bp.route("/balie/afspraken/<int:appointment_id>/niet-gekomen", methods=["GET", "POST"])
@allow(*MUNICIPAL)
def no_show(appointment_id: int):
    appointment = booking.appointment_for_user(appointment_id)
    if appointment.status != AppointmentStatus.BOOKED:
        flash(_("Deze afspraak is al verwerkt."), "info")
        return redirect(url_for("counter.visit", appointment_id=appointment_id))
    refusal = cs.visit_refusal(appointment)
    if refusal and request.method == "GET":  # no confirmation for what cannot be done
        flash(refusal, "info")
        return redirect(url_for("counter.visit", appointment_id=appointment_id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            how = cs.mark_no_show(appointment, actor=current_user)
        except DomainError as err:
            flash(err.message, "error")
            return redirect(url_for("counter.visit", appointment_id=appointment_id))
        told = {"sms": _("De inwoner krijgt een sms met hoe een nieuwe afspraak te maken."),
                "letter": _("Er staat een brief klaar bij de taken."),
                "call": _("Bel de inwoner terug: de taak staat bij de taken.")}[how]
        flash(_("Gemarkeerd als niet gekomen.") + " " + told, "success")
        return redirect(url_for("counter.day_list", locatie=appointment.location_id))
    return render_template("counter/no_show.html", form=form, appointment=appointment,
                           citizen=appointment.referral.citizen)


# --- the outcome ----------------------------------------------------------------------------------------

def _course_choices(municipality_id: int) -> list[tuple[str, str]]:
    return [("", _("Kies later"))] + [(str(c.id), course_services.course_label(c))
                                      for c in course_services.open_courses(municipality_id)]


@bp.route("/balie/verwijzingen/<int:referral_id>/uitkomst", methods=["GET", "POST"])
@allow(*MUNICIPAL)
def outcome(referral_id: int):
    referral = booking.referral_for_user(referral_id)
    existing = cs.outcome_of(referral.id)
    if existing is not None:
        flash(_("De uitkomst is al vastgelegd."), "info")
        return redirect(url_for("counter.referral_result", referral_id=referral.id))
    if referral.status != Status.ATTENDED:
        flash(_("Meld de inwoner eerst aan op de daglijst; daarna legt u de uitkomst vast."), "info")
        return redirect(url_for("referrals.detail", referral_id=referral.id))
    form = OutcomeForm()
    form.course_id.choices = _course_choices(referral.municipality_id)
    if form.validate_on_submit():
        data = cs.OutcomeInput(
            actions=form.actions.data or [], result=form.result.data or "",
            minutes=int(form.minutes.data.strip()) if (form.minutes.data or "").strip().isdecimal() else None,
            solution=form.solution.data or "", other_support=form.other_support.data or "",
            escalation_need=form.escalation_need.data or "", notes=form.notes.data or "",
            course_id=int(form.course_id.data) if (form.course_id.data or "").isdecimal() else None)
        try:
            _outcome, enrolment = cs.record_outcome(referral, data, actor=current_user)
        except DomainError as err:
            show_error(form, err)
            referral = booking.referral_for_user(referral_id)
        else:
            if enrolment is not None and enrolment.status == "waiting":
                flash(_("Uitkomst vastgelegd. De cursus is vol: de inwoner staat op de wachtlijst."), "success")
            elif enrolment is not None:
                flash(_("Uitkomst vastgelegd en de inwoner is ingeschreven voor de cursus."), "success")
            elif data.solution == "escalation":  # complete and send the escalation
                flash(_("Uitkomst vastgelegd. Maak de escalatie af en verstuur hem naar de tweede lijn."), "success")
                return redirect(url_for("helpdesk.escalate", referral_id=referral.id))
            elif data.solution == "course":
                flash(_("Uitkomst vastgelegd. Schrijf de inwoner nu in voor een cursus."), "success")
                return redirect(url_for("courses.enrol", referral_id=referral.id))
            else:
                flash(_("Uitkomst vastgelegd."), "success")
            return redirect(url_for("counter.referral_result", referral_id=referral.id))
    return render_template("counter/outcome.html", form=form, referral=referral, citizen=referral.citizen), \
        form_status(form)


@bp.get("/balie/verwijzingen/<int:referral_id>/uitkomst/overzicht")
@allow(*MUNICIPAL)
def referral_result(referral_id: int):
    referral = booking.referral_for_user(referral_id)
    result = cs.outcome_of(referral.id)
    if result is None:
        return redirect(url_for("counter.outcome", referral_id=referral.id))
    html = render_template("counter/result.html", referral=referral, citizen=referral.citizen, outcome=result,
                           enrolment=course_services.active_enrolment(referral.id), line=booking.agency_line(referral))
    booking.record_read(referral, actor=current_user, activity="counter")
    return html


# --- the coordinator's lists ----------------------------------------------------------------------------

# The list of citizens waiting for a buddy moved to volunteers (volunteers.matching, same URL).

@bp.get("/gemeente/vertraagd")
@allow(*MUNICIPAL, nav=_l("Vertraagde verwijzingen"), nav_order=35)
def stale():
    page = paginate(cs.stale_query(current_user.organisation_id))
    record_list_read("stale-follow-up", "citizen", [r.citizen_id for r in page.items])
    return render_template("counter/stale.html", page=page, solutions=SOLUTIONS)
