"""Messaging: the outbox page for staff, and the two Twilio webhooks."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from accounts.models import Role
from accounts.pagination import paginate
from accounts.policy import allow, public
from extensions import csrf
from messaging import services, sms_texts
from messaging.forms import INBOUND_OUTCOMES, STATUS_LABELS, OutboxFilterForm
from messaging.gateways import gateway_from_config
from messaging.models import InboundMessage, OutboxMessage
from messaging.phone import format_phone

bp = Blueprint("messaging", __name__)
log = logging.getLogger(__name__)


# --- staff pages -------------------------------------------------------------------------------

@bp.get("/beheer/sms")
@allow(Role.ADMIN, Role.COORDINATOR, Role.LEAD, nav=_l("Sms-berichten"), nav_order=850)
def outbox():
    filters = OutboxFilterForm(request.args)
    filters.status.choices = [("", _l("Alle statussen"))] + [(s.value, label) for s, label in STATUS_LABELS.items()]
    filters.purpose.choices = [("", _l("Alle soorten"))] + sorted(
        ((p, sms_texts.purpose_label(p)) for p in sms_texts.TEXTS), key=lambda c: str(c[1]).lower())
    filters.validate()
    # An administrator sees every organisation's messages, other staff their own organisation's.
    org = None if current_user.role_enum == Role.ADMIN else current_user.organisation_id
    page = paginate(services.list_outbox(organisation_id=org, status=filters.status.data or None,
                                         purpose=filters.purpose.data or None, phone=filters.telefoon.data),
                    scalars=False)
    services.log_page_read([row[0].to_e164 for row in page.items])
    try:
        gateway = gateway_from_config(current_app.config).name
    except ValueError:
        gateway = "invalid"
    return render_template("messaging/outbox.html", page=page, filters=filters, statuses=STATUS_LABELS,
                           gateway=gateway, format_phone=format_phone, purposes=sms_texts.PURPOSE_LABELS,
                           languages=sms_texts.LANGUAGE_LABELS)


@bp.get("/beheer/sms/ontvangen")
@allow(Role.ADMIN, nav=_l("Ontvangen sms"), nav_order=860)
def inbound():
    page = paginate(services.list_inbound())
    services.log_page_read([m.from_e164 for m in page.items])
    return render_template("messaging/inbound.html", page=page, outcomes=INBOUND_OUTCOMES, format_phone=format_phone)


# --- webhooks (Twilio) -------------------------------------------------------------------------

# The columns' lengths: PostgreSQL refuses a longer value, SQLite keeps it.
SID_MAX = InboundMessage.__table__.c.provider_sid.type.length
ERROR_CODE_MAX = OutboxMessage.__table__.c.error_code.type.length


def _verified_sid() -> str:
    """Check X-Twilio-Signature against the public URL the provider called (behind a proxy the
    request's own host may differ, so PUBLIC_BASE_URL decides); 403 when it fails. Returns the
    message's sid (400 without one)."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        abort(403)
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    if not RequestValidator(token).validate(url, request.form, signature):
        log.warning("webhook %s refused: bad signature", request.path)
        abort(403)
    sid = request.form.get("MessageSid") or request.form.get("SmsSid")
    if not sid or len(sid) > SID_MAX:  # Twilio's are 34 characters; a longer one is no sid of theirs
        abort(400)
    return sid


@bp.post("/sms/status")
@public  # no login: the provider proves itself with X-Twilio-Signature
@csrf.exempt
def status_callback():
    sid = _verified_sid()
    try:
        outbox_id = int(request.args.get("m", ""))
    except ValueError:
        outbox_id = None
    services.apply_status_callback(message_sid=sid, provider_status=request.form.get("MessageStatus", ""),
                                   error_code=(request.form.get("ErrorCode") or "")[:ERROR_CODE_MAX] or None,
                                   outbox_id=outbox_id)
    return Response(status=204)


@bp.post("/sms/inbound")
@public  # no login: the provider proves itself with X-Twilio-Signature
@csrf.exempt
def inbound_webhook():
    sid = _verified_sid()
    reply = services.receive_inbound(provider_sid=sid, from_number=request.form.get("From", ""),
                                     to_number=request.form.get("To", ""), body=request.form.get("Body", ""))
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), mimetype="application/xml")
