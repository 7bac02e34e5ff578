"""Login, logout, own password, two-factor, and the administration of organisations and users."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user
from sqlalchemy import select

from accounts import services, sessions
from accounts.forms import (
    KIND_LABELS,
    ROLE_LABELS,
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    ConfirmIdentityForm,
    LoginForm,
    OrganisationForm,
    UserFilterForm,
    UserForm,
    form_status,
    show_error,
)
from accounts.models import Organisation, Role, User
from accounts.pagination import paginate
from accounts.policy import allow, public, two_factor_required
from accounts.redirects import safe_next
from extensions import DomainError, db, limiter

bp = Blueprint("accounts", __name__)

ALL_ROLES = tuple(Role)


def _safe_next(default: str) -> str:
    return safe_next(request.args.get("next"), default)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _login_address_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_ADDRESS"]


def _account_key() -> str:
    """The account a login POST is about: the typed address on the login page (known or not),
    the logged-in user on the password and two-factor checks."""
    if current_user.is_authenticated:
        return f"account:user:{current_user.id}"
    return "account:email:" + (request.form.get("email") or "").strip().lower()[:254]


def _address_key() -> str:
    return "address:" + get_remote_address()


def login_limited(view):
    """Password and code POSTs are limited per account (RATELIMIT_LOGIN: guessing one account's
    password) and per client address (RATELIMIT_LOGIN_ADDRESS, generous: the agents of a call
    centre behind one proxy all log in at 08:00). Set PROXY_FIX_X_FOR behind a proxy (README)."""
    view = limiter.limit(_login_limit, key_func=_account_key, methods=["POST"])(view)
    return limiter.limit(_login_address_limit, key_func=_address_key, methods=["POST"])(view)


@bp.route("/inloggen", methods=["GET", "POST"])
@public
@login_limited
def login():
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as err:
            show_error(form, err)
        else:
            sessions.start(user)  # nothing from before the login survives, but the chosen language
            if user.totp_enabled or two_factor_required(user):
                return redirect(url_for("accounts.two_factor", next=_safe_next("")) if user.totp_enabled
                                else url_for("accounts.two_factor_setup"))
            return redirect(_safe_next(url_for("site.home")))
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.post("/uitloggen")
@allow(*ALL_ROLES, needs_2fa=False)
def logout():
    services.end_all_sessions(current_user)  # saved with the request's unit of work
    logout_user()
    sessions.fresh_session()
    flash(_("U bent uitgelogd."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET"])
@allow(*ALL_ROLES, nav=_l("Mijn account"), nav_order=900)
def account():
    return render_template("accounts/account.html", role_label=ROLE_LABELS[current_user.role_enum],
                           two_factor_required=two_factor_required(current_user), form=ConfirmForm())


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as err:
            show_error(form, err)
        else:
            # All sessions ended, this one too; log in again in a fresh session.
            sessions.start(current_user._get_current_object(), two_factor_done=bool(session.get("2fa_ok")))
            flash(_("Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), form_status(form)


@bp.route("/account/bevestigen", methods=["GET", "POST"])
@allow(*ALL_ROLES)
@login_limited
def confirm_identity():
    """Asked before a sensitive change when the password was last given too long ago."""
    form = ConfirmIdentityForm()
    if form.validate_on_submit():
        try:
            services.confirm_identity(current_user, form.password.data or "", form.code.data or "")
        except DomainError as err:
            show_error(form, err)
        else:
            sessions.identity_confirmed()
            return redirect(_safe_next(url_for("site.home")))
    return render_template("accounts/confirm_identity.html", form=form), form_status(form)


@bp.route("/account/tweestaps", methods=["GET", "POST"])
@allow(*ALL_ROLES, needs_2fa=False)
@login_limited
def two_factor():
    if not current_user.totp_enabled:
        return redirect(url_for("accounts.two_factor_setup"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.verify_two_factor(current_user, form.code.data)
        except DomainError as err:
            show_error(form, err)
        else:
            session["2fa_ok"] = True
            sessions.identity_confirmed()
            return redirect(_safe_next(url_for("site.home")))
    return render_template("accounts/two_factor.html", form=form), form_status(form)


@bp.route("/account/tweestaps/instellen", methods=["GET", "POST"])
@allow(*ALL_ROLES, needs_2fa=False)
def two_factor_setup():
    if current_user.totp_enabled and not session.get("2fa_ok"):
        return redirect(url_for("accounts.two_factor"))
    if current_user.totp_enabled:
        flash(_("Tweestapsverificatie staat al aan."), "info")
        return redirect(url_for("accounts.account"))
    form = CodeForm()
    if request.method == "GET" or not current_user.totp_secret:
        services.start_two_factor(current_user)
    elif form.validate_on_submit():
        try:
            services.confirm_two_factor(current_user, form.code.data)
        except DomainError as err:
            show_error(form, err)
        else:
            session["2fa_ok"] = True
            flash(_("Tweestapsverificatie staat aan."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/two_factor_setup.html", form=form, secret=current_user.totp_secret,
                           uri=services.provisioning_uri(current_user)), form_status(form)


@bp.post("/account/tweestaps/uitzetten")
@allow(*ALL_ROLES, recent_login=True)
def two_factor_disable():
    form = ConfirmForm()
    if form.validate_on_submit() and current_user.totp_enabled:
        if two_factor_required(current_user):
            flash(_("Voor uw rol is tweestapsverificatie verplicht."), "error")
        else:
            services.disable_two_factor(current_user)
            logout_user()
            sessions.fresh_session()
            flash(_("Tweestapsverificatie staat uit. Log opnieuw in."), "success")
            return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.account"))


# --- administration ----------------------------------------------------------------------------

@bp.get("/beheer/organisaties")
@allow(Role.ADMIN, nav=_l("Organisaties"), nav_order=800)
def organisations():
    page = paginate(services.list_organisations(request.args.get("soort") or None))
    return render_template("accounts/organisations.html", page=page, kinds=KIND_LABELS)


@bp.route("/beheer/organisaties/nieuw", methods=["GET", "POST"])
@allow(Role.ADMIN, recent_login=True)
def organisation_new():
    return _organisation_form(None)


@bp.route("/beheer/organisaties/<int:org_id>", methods=["GET", "POST"])
@allow(Role.ADMIN, recent_login=True)
def organisation_edit(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    return _organisation_form(org)


def _organisation_form(org):
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        try:
            saved = services.save_organisation(org, name=form.name.data, kind=form.kind.data,
                                               active=form.active.data, actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Organisatie %(name)s is opgeslagen.", name=saved.name), "success")
            return redirect(url_for("accounts.organisations"))
    return render_template("accounts/organisation_form.html", form=form, org=org), form_status(form)


def _organisation_choices():
    orgs = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars()
    return [(o.id, f"{o.name} ({KIND_LABELS[o.kind_enum]})") for o in orgs]


@bp.get("/beheer/gebruikers")
@allow(Role.ADMIN, nav=_l("Gebruikers"), nav_order=810)
def users():
    filters = UserFilterForm(request.args)
    filters.organisation_id.choices = [(0, _("Alle organisaties"))] + _organisation_choices()
    filters.validate()
    page = paginate(services.list_users(filters.organisation_id.data or None, filters.q.data))
    return render_template("accounts/users.html", page=page, filters=filters, roles=ROLE_LABELS)


@bp.route("/beheer/gebruikers/nieuw", methods=["GET", "POST"])
@allow(Role.ADMIN, recent_login=True)
def user_new():
    form = UserForm()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        try:
            user, temporary = services.create_user(email=form.email.data, name=form.name.data, role=form.role.data,
                                                   organisation_id=form.organisation_id.data, actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            return render_template("accounts/temporary_password.html", user=user, temporary=temporary)
    return render_template("accounts/user_form.html", form=form, user=None), form_status(form)


@bp.route("/beheer/gebruikers/<int:user_id>", methods=["GET", "POST"])
@allow(Role.ADMIN, recent_login=True)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.organisation_id.choices = _organisation_choices()
    form.email.render_kw = {"readonly": True}
    if request.method == "POST":
        form.email.data = user.email  # the address is the login name: it does not change here
    if form.validate_on_submit():
        try:
            services.update_user(user, name=form.name.data, role=form.role.data,
                                 organisation_id=form.organisation_id.data, active=form.active.data, actor=current_user)
        except DomainError as err:
            show_error(form, err)
        else:
            flash(_("Gebruiker %(name)s is opgeslagen.", name=user.name), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user, confirm=ConfirmForm()), form_status(form)


@bp.route("/beheer/gebruikers/<int:user_id>/wachtwoord", methods=["GET", "POST"])
@allow(Role.ADMIN, recent_login=True)
def user_reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        temporary = services.reset_password(user, current_user)
        return render_template("accounts/temporary_password.html", user=user, temporary=temporary)
    return render_template("accounts/confirm.html", form=form,
                           title=_("Wachtwoord herstellen voor %(name)s", name=user.name),
                           question=_("De gebruiker krijgt een tijdelijk wachtwoord en wordt overal uitgelogd."),
                           button=_("Wachtwoord herstellen"), back=url_for("accounts.user_edit", user_id=user.id))


@bp.route("/beheer/gebruikers/<int:user_id>/tweestaps", methods=["GET", "POST"])
@allow(Role.ADMIN, recent_login=True)
def user_reset_two_factor(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.reset_two_factor(user, current_user)
        flash(_("Tweestapsverificatie van %(name)s is hersteld. Bij de volgende keer inloggen stelt de gebruiker het opnieuw in.", name=user.name), "success")
        return redirect(url_for("accounts.user_edit", user_id=user.id))
    return render_template("accounts/confirm.html", form=form,
                           title=_("Tweestapsverificatie herstellen voor %(name)s", name=user.name),
                           question=_("Gebruik dit als iemand de telefoon met de app kwijt is."),
                           button=_("Tweestapsverificatie herstellen"), back=url_for("accounts.user_edit", user_id=user.id))
