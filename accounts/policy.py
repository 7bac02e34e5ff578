"""The access policy, in one place.

Every view declares who may use it, directly under its route decorator:

    @bp.get("/verwijzingen")
    @allow(Role.AGENT, Role.LEAD, nav=_l("Mijn verwijzingen"), nav_order=20)
    def my_referrals(): ...

    @bp.post("/sms/status")
    @public  # no login; the view checks its own proof (a webhook signature)
    def status_callback(): ...

`allow` demands a logged-in, active user with one of the roles (and finished two-factor when
REQUIRE_2FA applies); anyone else gets the login page (anonymous) or 403, and the refusal is
signalled so the processing log records it. A route without a declaration is refused at request
time and fails the route-walk test.

Data owned by an organisation is always read through `scoped()` or `get_scoped_or_404()`, so a
user of another organisation gets 404 on a foreign id, never the data.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from blinker import Namespace
from flask import abort, current_app, has_request_context, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import Select, bindparam, select

from accounts.models import PERSONAL_DATA_ROLES, Role
from accounts.redirects import safe_next
from accounts.services import login_is_recent
from extensions import db

signals = Namespace()
access_refused = signals.signal("access-refused")  # sender: app; kwargs user, endpoint, reason

PUBLIC = "public"


@dataclass(frozen=True)
class Policy:
    roles: frozenset[Role] | str  # a set of roles, or PUBLIC
    nav: object | None = None  # label (lazy string) when the page belongs in the navigation
    nav_order: int = 100
    needs_2fa: bool = True  # False only for the pages that set up two-factor itself
    recent_login: bool = False  # True: the password (or a code) was given less than REAUTH_MINUTES ago
    kinds: frozenset[str] | None = None  # organisation kinds allowed (a lead is a role of every kind)


# view function qualified name -> Policy; the app maps endpoints to view functions.
_POLICIES: dict[Callable, Policy] = {}


def policy_for(view: Callable) -> Policy | None:
    return _POLICIES.get(getattr(view, "__wrapped_view__", view))


def allow(*roles: Role, nav=None, nav_order: int = 100, needs_2fa: bool = True, recent_login: bool = False,
          kinds=None):
    """The roles that may use a view; `kinds` (OrgKind values) also limits the kind of organisation,
    for roles such as the lead that every kind of organisation has."""
    if not roles:
        raise ValueError("allow() needs at least one role; use @public for open pages")
    policy = Policy(frozenset(Role(r) for r in roles), nav, nav_order, needs_2fa, recent_login,
                    frozenset(str(k) for k in kinds) if kinds else None)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            refusal = _check(policy)
            if refusal is not None:
                return refusal
            return view(*args, **kwargs)

        guarded.__wrapped_view__ = guarded
        _POLICIES[guarded] = policy
        return guarded

    return decorate


def public(view):
    view.__wrapped_view__ = view
    _POLICIES[view] = Policy(PUBLIC)
    return view


def two_factor_required(user) -> bool:
    return bool(current_app.config["REQUIRE_2FA"] and user.role_enum in PERSONAL_DATA_ROLES)


def _check(policy: Policy):
    if not current_user.is_authenticated:
        back = safe_next(request.full_path, None) if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=back))
    user = current_user
    if policy.needs_2fa:
        if user.totp_enabled and not session.get("2fa_ok"):
            return redirect(url_for("accounts.two_factor", next=safe_next(request.full_path, None)))
        if two_factor_required(user) and not user.totp_enabled:
            return redirect(url_for("accounts.two_factor_setup"))
    if user.must_change_password and request.endpoint not in {"accounts.change_password", "accounts.logout"}:
        return redirect(url_for("accounts.change_password"))
    if user.role_enum not in policy.roles or not _kind_fits(policy, user):
        access_refused.send(current_app._get_current_object(), user=user, endpoint=request.endpoint,
                            reason="role")
        abort(403)
    if policy.recent_login and not login_is_recent(session.get("auth_at")):
        return redirect(url_for("accounts.confirm_identity", next=_back_after_confirming()))
    return None


def _kind_fits(policy: Policy, user) -> bool:
    return policy.kinds is None or str(user.organisation.kind) in policy.kinds


def _back_after_confirming() -> str | None:
    """Where to go once the password is given again: this page, or for a button (a POST-only
    address) the page the button was on."""
    if request.method == "GET":
        return safe_next(request.full_path, None)
    if request.url_rule is not None and "GET" in request.url_rule.methods:
        return safe_next(request.path, None)
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host:
        return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""), None)
    return None


_NAVIGATION = "wegwijs.navigation"  # app.extensions: (role, organisation kind) -> its navigation


def navigation_for(user) -> list[tuple[str, object]]:
    """(endpoint, label) pairs of the navigation for this user's role, in order. The routes do not
    change once the app runs, so each role and kind of organisation is worked out once (a walk over
    every route on every page was a tenth of a page's time)."""
    role, kind = user.role_enum, str(user.organisation.kind)
    known = current_app.extensions.setdefault(_NAVIGATION, {})
    if (role, kind) not in known:
        known[role, kind] = _navigation(role, kind)
    return known[role, kind]


def _navigation(role: Role, kind: str) -> list[tuple[str, object]]:
    items = []
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions.get(rule.endpoint)
        pol = policy_for(view) if view else None
        if (pol and pol.nav and pol.roles != PUBLIC and role in pol.roles
                and (pol.kinds is None or kind in pol.kinds) and not rule.arguments):
            items.append((pol.nav_order, rule.endpoint, pol.nav))
    items.sort(key=lambda item: (item[0], item[1]))
    seen, result = set(), []
    for _, endpoint, label in items:
        if endpoint not in seen:
            seen.add(endpoint)
            result.append((endpoint, label))
    return result


def scoped(stmt: Select, org_column, user=None) -> Select:
    """Limit a query to rows of the user's organisation (default: the logged-in user)."""
    user = user if user is not None else current_user
    return stmt.where(org_column == user.organisation_id)


def get_scoped_or_404(model, ident, org_column=None, *, user=None, owner_id: int | None = None,
                      options=(), base: Select | None = None):
    """The one fetch of an organisation-owned row by an id from outside (a URL, a query string): the
    row if it belongs to the organisation, or 404, never another row. A refusal (a foreign or
    unknown id) is signalled, so the processing log records it in a unit of work of its own that
    the 404's rollback does not undo.

    - `org_column`: the owning column (default `model.organisation_id`), or a callable
      `f(user) -> column` where ownership depends on who asks (a referral: the referring agency's
      `referring_org_id` for an agency, `municipality_id` for a municipality).
    - `user`: who asks, for callers outside a request (default the logged-in user).
    - `owner_id`: scope to this organisation instead of the user's (an agent picking a location of
      the referral's municipality).
    - `options`: eager-load options; `base`: a select to start from (for a join the column needs).
    """
    row = get_scoped(model, ident, org_column, user=user, owner_id=owner_id, options=options, base=base)
    if row is None:
        abort(404)
    return row


def get_scoped(model, ident, org_column=None, *, user=None, owner_id: int | None = None, options=(),
               base: Select | None = None):
    """As get_scoped_or_404, but None instead of the 404 (the refusal is recorded all the same):
    for an id chosen in a form, where the service answers with a form error ("choose one from the
    list") and saves nothing."""
    user = user if user is not None else current_user
    column = _owning_column(model, org_column, user)
    ident = _as_int(ident)
    row = None
    if _storable(ident):
        stmt = base if base is not None else select(model)
        stmt = stmt.where(model.id == ident, column == (owner_id if owner_id is not None else user.organisation_id))
        row = db.session.execute(stmt.options(*options)).unique().scalar()  # unique: joined collections
    if row is None:
        _refuse(model, ident, user)
    return row


def prepared_get(model, org_column=None, *, options=()):
    """`get_scoped_or_404` for a hot path (the booking page and POST): the same answer (the row if
    it is the organisation's, or 404 with the refusal signalled), with the SELECT built once per
    owning column instead of on every request, so a request pays for no statement construction
    and no cache key. `org_column` and `options` as for get_scoped_or_404 (a callable column picks
    among a few mapped columns by who asks). Returns `fetch(ident, *, user=None)`."""
    statements: list[tuple[object, Select]] = []  # (owning column, its statement): one or two

    def statement_for(column) -> Select:
        for known, stmt in statements:
            if known is column:
                return stmt
        stmt = (select(model).where(model.id == bindparam("scoped_ident"), column == bindparam("scoped_owner"))
                .options(*options))
        if len(statements) < 8:  # a callable that builds a new expression every time is not kept
            statements.append((column, stmt))
        return stmt

    def fetch(ident, *, user=None):
        user = user if user is not None else current_user
        column = _owning_column(model, org_column, user)
        ident = _as_int(ident)
        row = None
        if _storable(ident):
            row = db.session.execute(statement_for(column), {"scoped_ident": ident,
                                                             "scoped_owner": user.organisation_id}).unique().scalar()
        if row is None:
            _refuse(model, ident, user)
            abort(404)
        return row

    return fetch


def _owning_column(model, org_column, user):
    column = org_column if org_column is not None else model.organisation_id
    if callable(column) and not hasattr(column, "__clause_element__"):
        column = column(user)
    return column


def _as_int(ident) -> int | None:
    try:
        return int(ident)
    except (TypeError, ValueError):
        return None


def _storable(ident: int | None) -> bool:
    """A number the database can compare (a longer one names no row)."""
    return ident is not None and -2**63 < ident < 2**63


def _refuse(model, ident, user) -> None:
    access_refused.send(current_app._get_current_object(), user=user,
                        endpoint=request.endpoint if has_request_context() else None,
                        reason=f"not found or foreign: {model.__name__} {ident}")
