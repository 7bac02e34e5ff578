"""Digisterker courses: the coordinator plans, the counter enrols, attendance per
session, cancellation with the waiting list, completion. Thin: course_services decides."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from accounts.forms import ConfirmForm, form_status, show_error
from accounts.models import Role
from accounts.pagination import paginate
from accounts.policy import allow
from courses import services as svc
from courses.forms import AttendanceForm, CourseFilterForm, CourseForm, EnrolForm
from courses.models import EnrolmentStatus
from extensions import DomainError
from extensions.dates import local_today
from referrals import services as booking

bp = Blueprint("courses", __name__)

MUNICIPAL = (Role.COUNTER, Role.COORDINATOR)




@bp.get("/cursussen")
@allow(*MUNICIPAL, nav=_l("Cursussen Digisterker"), nav_order=50)
def index():
    filters = CourseFilterForm(request.args)
    past = filters.when.data == "voorbij"
    page = paginate(svc.courses_query(current_user.organisation_id, past=past))
    return render_template("courses/list.html", page=page, filters=filters, past=past,
                           can_plan=current_user.role_enum == Role.COORDINATOR)


@bp.route("/cursussen/nieuw", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def new():
    form = CourseForm()
    form.location_id.choices = [(loc.id, loc.name) for loc in booking.locations_of(current_user.organisation_id)]
    if form.validate_on_submit():
        data = svc.CourseInput(
            title=form.title.data or "", location_id=form.location_id.data, capacity=form.capacity.data,
            intake_note=form.intake_note.data or "", first_day=form.first_day.data, starts=form.starts.data,
            ends=form.ends.data, sessions=form.sessions.data)
        try:
            course = svc.plan_course(current_user.organisation_id, data, actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Cursus gepland."), "success")
            return redirect(url_for("courses.detail", course_id=course.id))
    return render_template("courses/form.html", form=form), form_status(form)


@bp.get("/cursussen/<int:course_id>")
@allow(*MUNICIPAL)
def detail(course_id: int):
    course = svc.course_for_user(course_id)
    people = svc.enrolments_of(course.id)
    html = render_template("courses/detail.html", course=course, people=people,
                           counts=svc.attendance_counts(course.id), confirm=ConfirmForm(), today=local_today(),
                           enrolled=EnrolmentStatus.ENROLLED)
    svc.record_course_read(course, [e.referral.citizen_id for e in people["enrolled"] + people["waiting"]])
    return html


@bp.route("/cursussen/<int:course_id>/bijeenkomsten/<int:session_id>/aanwezigheid", methods=["GET", "POST"])
@allow(*MUNICIPAL)
def attendance(course_id: int, session_id: int):
    course = svc.course_for_user(course_id)
    session = svc.session_for_user(course, session_id)
    people = svc.enrolments_of(course.id)["enrolled"]
    form = AttendanceForm()
    form.present.choices = [(e.id, e.referral.citizen.name) for e in people]
    if request.method == "GET":
        form.present.data = [k for k, v in svc.attendance_of(session.id).items() if v]
    if form.validate_on_submit():
        try:
            svc.record_attendance(course, session, set(form.present.data or []), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Aanwezigheid opgeslagen."), "success")
            return redirect(url_for("courses.detail", course_id=course.id))
    svc.record_course_read(course, [e.referral.citizen_id for e in people])  # the names are on the form
    return render_template("courses/attendance.html", form=form, course=course, session=session,
                           people=people), form_status(form)


@bp.route("/cursussen/inschrijvingen/<int:enrolment_id>/afmelden", methods=["GET", "POST"])
@allow(*MUNICIPAL)
def cancel(enrolment_id: int):
    enrolment = svc.enrolment_for_user(enrolment_id)
    form = ConfirmForm()
    if enrolment.status not in svc.ACTIVE:
        flash(_("Deze inschrijving is al afgemeld of afgerond."), "info")
        return redirect(url_for("courses.detail", course_id=enrolment.course_id))
    if form.validate_on_submit():
        try:
            promoted = svc.cancel_enrolment(enrolment, actor=current_user)
        except DomainError as err:
            flash(err.message, "error")
        else:
            message = _("Afgemeld.")
            if promoted is not None:
                message += " " + _("De eerste op de wachtlijst heeft de plaats gekregen en krijgt bericht.")
            flash(message, "success")
        return redirect(url_for("courses.detail", course_id=enrolment.course_id))
    return render_template("courses/cancel.html", form=form, enrolment=enrolment,
                           citizen=enrolment.referral.citizen, course=enrolment.course)


@bp.post("/cursussen/inschrijvingen/<int:enrolment_id>/afgerond")
@allow(*MUNICIPAL)
def complete(enrolment_id: int):
    enrolment = svc.enrolment_for_user(enrolment_id)
    if ConfirmForm().validate_on_submit():
        try:
            svc.complete(enrolment, actor=current_user)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("Cursus afgerond; dit staat nu bij de verwijzing."), "success")
    return redirect(url_for("courses.detail", course_id=enrolment.course_id))


@bp.route("/balie/verwijzingen/<int:referral_id>/cursus", methods=["GET", "POST"])
@allow(*MUNICIPAL)
def enrol(referral_id: int):
    referral = booking.referral_for_user(referral_id)
    current = svc.active_enrolment(referral.id)
    courses = svc.open_courses(referral.municipality_id)
    form = EnrolForm()
    form.course_id.choices = [(str(c.id), svc.course_label(c)) for c in courses]
    if current is None and form.validate_on_submit():
        course = svc.course_of_municipality(form.course_id.data, referral.municipality_id)
        try:
            if course is None:
                raise DomainError(_("Kies een cursus."), "course_id")
            enrolment = svc.enrol(referral, course, actor=current_user)
        except DomainError as err:
            show_error(form, err)
            referral = booking.referral_for_user(referral_id)
        else:
            if enrolment.status == EnrolmentStatus.WAITING:
                flash(_("De cursus is vol: de inwoner staat op de wachtlijst en krijgt bericht."), "success")
            else:
                flash(_("Ingeschreven; de inwoner krijgt bericht."), "success")
            return redirect(url_for("courses.detail", course_id=course.id))
    return render_template("courses/enrol.html", form=form, referral=referral, citizen=referral.citizen,
                           courses=courses, current=current), form_status(form)
