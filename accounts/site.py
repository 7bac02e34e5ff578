"""Pages that belong to no context: home, health, accessibility statement, language choice."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from accounts import services, sessions
from accounts.models import Role
from accounts.policy import allow, navigation_for, public
from accounts.redirects import safe_next
from extensions import db, login_manager

bp = Blueprint("site", __name__)

login_manager.user_loader(services.load_user)
# A cookie that comes back from another address or browser ends the login (the sessions are not
# "permanent", so Flask-Login really does this instead of only marking the login as not fresh).
login_manager.session_protection = "strong"
bp.before_app_request(sessions.end_expired)


@bp.get("/")
@allow(*tuple(Role), nav=_l("Start"), nav_order=0)
def home():
    tasks = [(endpoint, label) for endpoint, label in navigation_for(current_user)
             if endpoint not in {"site.home", "accounts.account"}]
    return render_template("site/home.html", tasks=tasks)


@bp.get("/health")
@public
def health():
    try:  # a connection of its own: the request's unit of work stays out of it
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/toegankelijkheid")
@public
def accessibility():
    return render_template("site/accessibility.html")


@bp.post("/taal")
@public
def language():
    lang = request.form.get("lang")
    if lang in ("nl", "en"):
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.language = lang  # saved with the request's unit of work
    return redirect(safe_next(request.form.get("next"), url_for("site.home")))
