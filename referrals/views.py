"""Booking, the referral lists, the municipality's one work list of tasks (calls and letters), and
the coordinator's locations. Thin: the services decide."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from accounts.forms import ConfirmForm, form_status, show_error
from accounts.models import OrgKind, Role
from accounts.pagination import count_text, paginate
from accounts.policy import allow
from extensions import DomainError
from extensions.dates import holiday_name, local_today
from messaging.services import (
    messages_for,
    register_inbound_handler,
    register_opt_out_reply,
    register_unclear_reply,
)
from messaging.sms_texts import agency_with_article
from privacy.services import record_list_read
from referrals import categories, letters, outreach, services
from referrals.forms import (
    BookForm,
    CategoryForm,
    ClosureForm,
    ListFilterForm,
    LocationForm,
    OpeningHoursForm,
    SmsNameForm,
    TaskFilterForm,
)
from referrals.vocabulary import CANCELLED_BY, STATUS_LABELS, WEEKDAYS, AppointmentStatus

bp = Blueprint("referrals", __name__)
bp.add_app_template_global(letters.bring_of, "bring_of")  # what to bring, in the page's language

# The citizen's AFZEGGEN reaches us through messaging's registry (messaging never imports us).
bp.record_once(lambda state: register_inbound_handler(services.handle_inbound_sms))
bp.record_once(lambda state: register_unclear_reply(services.unclear_reply))
bp.record_once(lambda state: register_opt_out_reply(services.opt_out_reply))

BOOKERS = (Role.AGENT, Role.COUNTER, Role.COORDINATOR)
MUNICIPAL = (Role.COUNTER, Role.COORDINATOR)
# Tasks whose printed letter is the appointment letter (date, time, place, what to bring).
APPOINTMENT_LETTERS = ("appointment_confirmation", "appointment_moved")


def _is_agency() -> bool:
    return current_user.organisation.kind == OrgKind.AGENCY


def _by() -> str:
    return "agent" if _is_agency() else "counter"


def _picker(municipality_id: int, exclude_slot_id: int | None = None) -> dict:
    """What the slot picker shows: the first free slots (optionally of one location, from a day),
    and the links to other locations and later days."""
    try:
        location_id = int(request.args.get("locatie", 0)) or None
    except ValueError:
        location_id = None
    try:
        from_day = date.fromisoformat(request.args["vanaf"]) if request.args.get("vanaf") else None
    except ValueError:
        from_day = None
    if from_day and not local_today() <= from_day <= local_today() + timedelta(days=366):
        from_day = None  # only days that can have slots (a typed year 9999 shows the first free ones)
    locations = services.municipality_locations(municipality_id)
    if location_id:  # another municipality's location (a tampered address): 404, never all of them
        services.location_for_user(location_id, municipality_id=municipality_id)
        if location_id not in {loc.id for loc in locations}:
            location_id = None  # this municipality's, but no longer active
    slots = services.free_slots(municipality_id, location_id=location_id, from_day=from_day, limit=15,
                                exclude_slot_id=exclude_slot_id)
    days = services.slots_by_day(slots)
    later = (max(days) + timedelta(days=1)).isoformat() if days else None
    return {"slots": slots, "days": days, "locations": locations, "location_id": location_id,
            "from_day": from_day, "later": later, "today": local_today()}


def _letter_from(referral):
    """For a letter citizen: the first day a letter posted today reaches in time (the picker says so)."""
    return services.first_day_for_letter() if referral.citizen.channel == "letter" else None


def _slot_choices(form, picker):
    form.slot.choices = [(s.id, s.id) for s in picker["slots"]]


# --- booking ------------------------------------------------------------------------------------------

@bp.route("/verwijzingen/<int:referral_id>/afspraak", methods=["GET", "POST"])
@allow(*BOOKERS)
def book(referral_id: int):
    referral = services.referral_to_book(referral_id, categories=request.method != "POST")
    active = services.current_appointment(referral)
    if active is not None and active.status == AppointmentStatus.BOOKED:
        return redirect(url_for("referrals.reschedule", appointment_id=active.id))
    form = BookForm()
    taken = late = False
    if form.validate_on_submit():
        try:
            services.book(referral, form.slot.data, actor=current_user, letter_late_ok=form.letter_late_ok.data)
        except services.SlotTaken as err:
            taken = True
            show_error(form, err)
        except services.LetterTooLate as err:
            late = True
            show_error(form, err)
        except DomainError as err:
            show_error(form, err)
        else:
            return redirect(url_for("referrals.confirmation", referral_id=referral_id))
    if request.method == "POST":  # the page again: now with the categories it shows
        referral = services.referral_to_book(referral_id)
    picker = _picker(referral.municipality_id)
    _slot_choices(form, picker)
    status = 409 if taken else form_status(form)
    services.record_read(referral, actor=current_user, activity="appointment")
    return render_template("referrals/book.html", form=form, referral=referral, picker=picker,
                           taken=taken, late=late, letter_from=_letter_from(referral), appointment=None), status


@bp.get("/verwijzingen/<int:referral_id>/bevestiging")
@allow(*BOOKERS)
def confirmation(referral_id: int):
    referral = services.referral_for_user(referral_id)
    appointment = services.current_appointment(referral)
    if appointment is None:
        return redirect(url_for("referrals.book", referral_id=referral.id))
    sms = [m for m in messages_for("appointment", appointment.id) if m.purpose in
           ("appointment_confirmation", "appointment_moved")]
    services.record_read(referral, actor=current_user, activity="appointment")
    return render_template("referrals/confirmation.html", referral=referral, appointment=appointment, sms=sms,
                           reminder=services.reminder_expected(appointment),
                           say=services.what_to_say(referral, appointment))


@bp.route("/afspraken/<int:appointment_id>/verzetten", methods=["GET", "POST"])
@allow(*BOOKERS)
def reschedule(appointment_id: int):
    appointment = services.appointment_for_user(appointment_id)
    if appointment.status != AppointmentStatus.BOOKED:
        flash(_("Deze afspraak is niet meer gepland."), "info")
        return redirect(url_for("referrals.detail", referral_id=appointment.referral_id))
    referral = services.referral_for_user(appointment.referral_id)
    form = BookForm()
    taken = late = False
    if form.validate_on_submit():
        try:
            services.reschedule(appointment, form.slot.data, actor=current_user, by=_by(),
                                letter_late_ok=form.letter_late_ok.data)
        except services.SlotTaken as err:
            taken = True
            show_error(form, err)
        except services.LetterTooLate as err:
            late = True
            show_error(form, err)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("De afspraak is verzet."), "success")
            return redirect(url_for("referrals.confirmation", referral_id=referral.id))
        appointment = services.appointment_for_user(appointment_id)
        referral = services.referral_for_user(appointment.referral_id)
    picker = _picker(referral.municipality_id, exclude_slot_id=appointment.slot_id)
    _slot_choices(form, picker)
    status = 409 if taken else form_status(form)
    return render_template("referrals/book.html", form=form, referral=referral, picker=picker, taken=taken,
                           late=late, letter_from=_letter_from(referral), appointment=appointment), status


@bp.route("/afspraken/<int:appointment_id>/afzeggen", methods=["GET", "POST"])
@allow(*BOOKERS)
def cancel(appointment_id: int):
    appointment = services.appointment_for_user(appointment_id)
    form = ConfirmForm()
    if appointment.status != AppointmentStatus.BOOKED:
        flash(_("Deze afspraak is niet meer gepland."), "info")
        return redirect(url_for("referrals.detail", referral_id=appointment.referral_id))
    if form.validate_on_submit():
        try:
            services.cancel_appointment(appointment, actor=current_user, by=_by())
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("De afspraak is afgezegd en het tijdslot is weer vrij."), "success")
        return redirect(url_for("referrals.detail", referral_id=appointment.referral_id))
    return render_template("referrals/cancel.html", form=form, appointment=appointment)


@bp.get("/afspraken/<int:appointment_id>/brief")
@allow(*BOOKERS)
def letter(appointment_id: int):
    appointment = services.appointment_for_user(appointment_id)
    services.record_letter_printed(appointment, actor=current_user)
    referral = services.referral_for_user(appointment.referral_id)
    with force_locale(referral.citizen.language):  # the letter speaks the citizen's language
        return render_template("referrals/letter.html", appointment=appointment, referral=referral,
                               citizen=referral.citizen, location=appointment.location, today=local_today(),
                               maker=agency_with_article(referral.referring_org.name, referral.citizen.language))


# --- lists and detail -----------------------------------------------------------------------------------

def _list(template_title):
    filters = ListFilterForm(request.args)
    filters.status.choices = [("", _("Alle"))] + [(k.value, v) for k, v in STATUS_LABELS.items()]
    # An agent refers citizens and looks for their own first; the whole organisation is one click away.
    can_choose = _is_agency() and current_user.role_enum == Role.AGENT
    only_mine = can_choose and filters.alle.data != "1"
    search = services.parse_search(filters.zoek.data)
    if search is not None and search.kind == "invalid":
        filters.zoek.errors = [search.message]
    page = paginate(services.referrals_query(current_user, only_mine=only_mine, status=filters.status.data or None,
                                             search=search))
    rows = [(r, services.current_appointment(r), services.agency_line(r)) for r in page.items]
    record_list_read("referral", "citizen", [r.citizen_id for r in page.items])
    if can_choose and not only_mine:
        template_title = _("Alle verwijzingen van de organisatie")
    return render_template("referrals/list.html", page=page, rows=rows, filters=filters, title=template_title,
                           agency=_is_agency(), can_choose=can_choose, only_mine=only_mine, search=search)


@bp.get("/verwijzingen")
@allow(Role.AGENT, Role.LEAD, nav=_l("Mijn verwijzingen"), nav_order=20)
def my_referrals():
    return _list(_("Mijn verwijzingen"))


@bp.get("/gemeente/verwijzingen")
@allow(*MUNICIPAL, nav=_l("Verwijzingen"), nav_order=20)
def municipality_referrals():
    return _list(_("Verwijzingen aan de gemeente"))


@bp.get("/verwijzingen/<int:referral_id>")
@allow(Role.AGENT, Role.LEAD, *MUNICIPAL)
def detail(referral_id: int):
    referral = services.referral_for_user(referral_id, detail=True)
    services.record_read(referral, actor=current_user)
    return render_template("referrals/detail.html", referral=referral, citizen=referral.citizen,
                           appointment=services.current_appointment(referral), agency=_is_agency(),
                           line=services.agency_line(referral), phone=services.display_phone,
                           cancelled_by=CANCELLED_BY, can_book=current_user.role_enum in BOOKERS)


# --- the municipality's one work list: calls to make and letters to send (outreach.Task) ---------------

@bp.get("/balie/taken")
@allow(*MUNICIPAL, nav=_l("Taken"), nav_order=15)
def tasks():
    filters = TaskFilterForm(request.args)
    done = filters.status.data == "gedaan"
    page = paginate(outreach.tasks_query(current_user.organisation_id, done=done))
    record_list_read("outreach-task", "task", [t.id for t in page.items])
    return render_template("referrals/tasks.html", page=page, filters=filters, done=done, confirm=ConfirmForm(),
                           open_count=count_text(outreach.count_open_tasks(current_user.organisation_id)),
                           phone=services.display_phone)


@bp.post("/balie/taken/<int:task_id>/gedaan")
@allow(*MUNICIPAL)
def task_done(task_id: int):
    task = outreach.task_for_user(task_id)
    if ConfirmForm().validate_on_submit():
        try:
            outreach.complete_task(task, actor=current_user)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("Taak gemarkeerd als gedaan."), "success")
    return redirect(url_for("referrals.tasks"))


@bp.get("/balie/taken/<int:task_id>/brief")
@allow(*MUNICIPAL)
def task_letter(task_id: int):
    task = outreach.task_for_user(task_id)
    referral = services.referral_for_user(task.referral_id) if task.referral_id else None
    appointment = task.appointment if task.reason in APPOINTMENT_LETTERS else None
    outreach.record_letter_read(task, actor=current_user)
    with force_locale(referral.citizen.language if referral else "nl"):  # the citizen's language
        if appointment is not None:  # the appointment letter itself: date, time, place, what to bring
            html = render_template("referrals/letter.html", appointment=appointment, referral=referral,
                                   citizen=referral.citizen, location=appointment.location, today=local_today(),
                                   task=task,
                                   maker=agency_with_article(referral.referring_org.name, referral.citizen.language))
        else:
            printed = outreach.printed_letter(task)  # from its code, in the citizen's language
            location, subject, paragraphs = printed or (None, task.reason_label, [task.description])
            html = render_template("referrals/task_letter.html", task=task, referral=referral,
                                   citizen=referral.citizen if referral else None, today=local_today(),
                                   location=location, subject=subject, paragraphs=paragraphs)
    return html


@bp.get("/gemeente/brieven-en-telefoontjes")
@allow(*MUNICIPAL)
def worklist():
    """The former separate list of letters and calls: now the one work list of tasks."""
    return redirect(url_for("referrals.tasks"))


# --- locations, opening hours, closures (the coordinator) --------------------------------------------

@bp.get("/gemeente/locaties")
@allow(Role.COORDINATOR, nav=_l("Locaties en openingstijden"), nav_order=40)
def locations(sms_form=None):
    locs = services.locations_of(current_user.organisation_id)
    organisation = current_user.organisation
    sms_form = sms_form or SmsNameForm(data={"sms_name": organisation.sms_name or organisation.sms_sender})
    return render_template("referrals/locations.html", locations=locs, weekdays=WEEKDAYS, sms_form=sms_form,
                           sender=organisation.sms_sender)


@bp.post("/gemeente/afzender")
@allow(Role.COORDINATOR)
def sms_name():
    form = SmsNameForm()
    if form.validate_on_submit():
        try:
            services.set_sms_name(current_user.organisation_id, form.sms_name.data or "", actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("De naam in de sms-berichten is opgeslagen."), "success")
            return redirect(url_for("referrals.locations"))
    return locations(sms_form=form), form_status(form)


def _location_input(form):
    return services.LocationInput(
        name=form.name.data or "", street=form.street.data or "", postcode=form.postcode.data or "",
        city=form.city.data or "", phone=form.phone.data or "", slot_minutes=form.slot_minutes.data,
        counters=form.counters.data, room=form.room.data or "", what_to_bring=form.what_to_bring.data or "",
        what_to_bring_en=form.what_to_bring_en.data or "",
        active=form.active.data)


@bp.route("/gemeente/locaties/nieuw", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def location_new():
    form = LocationForm()
    if form.validate_on_submit():
        try:
            location = services.save_location(current_user.organisation_id, _location_input(form), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Locatie toegevoegd. Vul nu de openingstijden in."), "success")
            return redirect(url_for("referrals.location_hours", location_id=location.id))
    return render_template("referrals/location_form.html", form=form, location=None), \
        form_status(form)


@bp.route("/gemeente/locaties/<int:location_id>", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def location_edit(location_id: int):
    location = services.location_for_user(location_id)
    form = LocationForm(obj=location)
    if form.validate_on_submit():
        try:
            services.save_location(current_user.organisation_id, _location_input(form), location=location,
                                   actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Locatie opgeslagen; de tijdsloten zijn bijgewerkt."), "success")
            return redirect(url_for("referrals.locations"))
    return render_template("referrals/location_form.html", form=form, location=location,
                           counts=services.upcoming_slot_counts(location.id)), \
        form_status(form)


@bp.route("/gemeente/locaties/<int:location_id>/openingstijden", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def location_hours(location_id: int):
    location = services.location_for_user(location_id)
    form = OpeningHoursForm()
    if not form.is_submitted():
        seen: dict[int, int] = {}
        for h in location.hours:
            n = seen.get(h.weekday, 0)
            seen[h.weekday] = n + 1
            suffix = "" if n == 0 else "2"
            if n < 2:
                getattr(form, f"day{h.weekday}_opens{suffix}").data = h.opens
                getattr(form, f"day{h.weekday}_closes{suffix}").data = h.closes
    if form.validate_on_submit():
        hours, errors = {}, {}
        for i in range(7):
            for suffix in ("", "2"):
                opens = getattr(form, f"day{i}_opens{suffix}").data
                closes = getattr(form, f"day{i}_closes{suffix}").data
                if opens and closes:
                    hours.setdefault(i, []).append((opens, closes))
                elif opens or closes:
                    errors[f"day{i}_closes{suffix}"] = _("Vul zowel de begin- als de eindtijd in.")
        try:
            if errors:
                raise services.FieldErrors(errors)
            services.set_opening_hours(location, hours)
        except services.FieldErrors as err:
            show_error(form, services.FieldErrors({
                (k if hasattr(form, k) else f"{k}_closes"): v for k, v in err.errors.items()}))
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Openingstijden opgeslagen; de tijdsloten zijn bijgewerkt."), "success")
            return redirect(url_for("referrals.locations"))
    return render_template("referrals/hours.html", form=form, location=location, weekdays=WEEKDAYS), \
        form_status(form)


@bp.route("/gemeente/locaties/<int:location_id>/sluitingen", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def closures(location_id: int):
    location = services.location_for_user(location_id)
    form = ClosureForm()
    affected = services.affected_by_closures(location)
    if form.validate_on_submit():
        try:
            affected = services.add_closure(location, form.starts_on.data, form.ends_on.data, form.reason.data or "")
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Sluiting opgeslagen; vrije tijdsloten op die dagen zijn weggehaald."), "success")
            if not affected:
                return redirect(url_for("referrals.closures", location_id=location.id))
    upcoming_holidays = []
    day = local_today()
    for _i in range(120):
        name = holiday_name(day)
        if name:
            upcoming_holidays.append((day, name))
        day += timedelta(days=1)
    return render_template("referrals/closures.html", form=form, location=location, affected=affected,
                           holidays=upcoming_holidays, delete_form=ConfirmForm()), \
        form_status(form)


@bp.post("/gemeente/locaties/<int:location_id>/sluitingen/<int:closure_id>/verwijderen")
@allow(Role.COORDINATOR)
def closure_remove(location_id: int, closure_id: int):
    location = services.location_for_user(location_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_closure(location, closure_id)
    flash(_("Sluiting verwijderd; de tijdsloten zijn weer open."), "success")
    return redirect(url_for("referrals.closures", location_id=location.id))


# --- question categories (the admin) ---------------------------------------------------------------------

@bp.get("/beheer/onderwerpen")
@allow(Role.ADMIN, nav=_l("Vraagonderwerpen"), nav_order=820)
def category_list():
    return render_template("referrals/categories.html", groups=categories.all_groups(), confirm=ConfirmForm())


@bp.route("/beheer/onderwerpen/nieuw", methods=["GET", "POST"])
@allow(Role.ADMIN)
def category_new():
    return _category_form(None)


@bp.route("/beheer/onderwerpen/<int:category_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def category_edit(category_id: int):
    return _category_form(categories.category_for_admin(category_id))


def _category_form(category):
    form = CategoryForm(obj=category)
    form.agency_id.choices = categories.agency_choices(category)
    if not form.is_submitted():
        form.agency_id.data = (category.agency_id if category else request.args.get("organisatie", 0, type=int)) or 0
    if form.validate_on_submit():
        try:
            saved = categories.save_category(category, categories.CategoryInput(
                agency_id=form.agency_id.data, name_nl=form.name_nl.data or "", name_en=form.name_en.data or "",
                is_other=bool(form.is_other.data)))
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Onderwerp “%(name)s” is opgeslagen.", name=saved.name_nl), "success")
            return redirect(url_for("referrals.category_list"))
    return render_template("referrals/category_form.html", form=form, category=category), form_status(form)


def _move(category_id: int, step: int):
    category = categories.category_for_admin(category_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("De pagina was verlopen. Probeer het opnieuw."), "error")
    else:
        try:
            categories.move_category(category, step)
        except DomainError as err:
            flash(err.message, "error")
    return redirect(url_for("referrals.category_list", _anchor=f"onderwerp-{category_id}"))


@bp.post("/beheer/onderwerpen/<int:category_id>/omhoog")
@allow(Role.ADMIN)
def category_up(category_id: int):
    return _move(category_id, -1)


@bp.post("/beheer/onderwerpen/<int:category_id>/omlaag")
@allow(Role.ADMIN)
def category_down(category_id: int):
    return _move(category_id, 1)


@bp.route("/beheer/onderwerpen/<int:category_id>/intrekken", methods=["GET", "POST"])
@allow(Role.ADMIN)
def category_retire(category_id: int):
    category = categories.category_for_admin(category_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        categories.retire_category(category)
        flash(_("“%(name)s” wordt niet meer aangeboden.", name=category.name_nl), "success")
        return redirect(url_for("referrals.category_list"))
    return render_template("accounts/confirm.html", form=form,
                           title=_("Onderwerp “%(name)s” intrekken", name=category.name_nl),
                           question=_("Medewerkers kunnen dit onderwerp dan niet meer kiezen. Klantcontacten, "
                                      "verwijzingen en escalaties die het al hebben, blijven het tonen. U kunt het "
                                      "later weer aanbieden."),
                           button=_("Intrekken"), back=url_for("referrals.category_list"))


@bp.post("/beheer/onderwerpen/<int:category_id>/terugzetten")
@allow(Role.ADMIN)
def category_restore(category_id: int):
    category = categories.category_for_admin(category_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("De pagina was verlopen. Probeer het opnieuw."), "error")
    else:
        try:
            categories.restore_category(category)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("“%(name)s” wordt weer aangeboden.", name=category.name_nl), "success")
    return redirect(url_for("referrals.category_list"))
