"""The agent's side: log a call and, when it could not be solved, refer the citizen."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from accounts.forms import form_status, show_error
from accounts.models import Role
from accounts.policy import allow
from extensions import DomainError
from helpdesk import services
from helpdesk.forms import ContactForm
from referrals.forms import ReferralForm, referral_input
from referrals.services import participating_municipalities

bp = Blueprint("helpdesk", __name__)


@bp.route("/klantcontact/nieuw", methods=["GET", "POST"])
@allow(Role.AGENT, nav=_l("Klantcontact vastleggen"), nav_order=10)
def contact_new():
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact = services.log_contact(services.ContactInput(
                categories=form.categories.data or [], solved=form.solved.data, reason=form.reason.data,
                notes=form.notes.data or ""), actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            if contact.solved:
                flash(_("Klantcontact vastgelegd: telefonisch opgelost."), "success")
                return redirect(url_for("helpdesk.contact_new"))
            return redirect(url_for("helpdesk.refer", contact_id=contact.id))
    status = form_status(form)
    return render_template("helpdesk/contact_new.html", form=form,
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
