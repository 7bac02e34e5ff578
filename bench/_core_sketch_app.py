"""A sketch, for the bench only: the booking POST written in SQLAlchemy Core, with rows instead of
ORM objects, inside our stack (bench/_stack_app.py's app, whose user load stays the ORM's). The
fifth line of bench/booking_http.py: what the booking would reach if its path left the ORM for Core.

It runs the real POST's ten statements (the user, the referral with its citizen and organisations,
the seat, the appointment, the location, the status and its history, the SMS, the processing log)
with the same rules for an SMS citizen: the referral this organisation's and bookable, the seat
claimed only if free, one active appointment, the opt-out read by the SMS's INSERT. It leaves out
what the real service also does for other citizens: the letter's and the call's tasks, the
helper's copy, the read-aloud call, the letter-too-late check. Never part of the app.
"""
from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select, text

from accounts.models import Organisation, OrgKind, Role, default_sms_name
from accounts.policy import allow
from bench._stack_app import create_app as create_stack_app
from extensions import clock, db
from extensions.dates import sms_date_time, stored_when
from messaging import gsm7, sms_texts
from messaging.models import OutboxMessage
from messaging.phone import parse_phone
from messaging.services import _OPTED_OUT, next_allowed_send, reason_for
from privacy.services import record
from referrals import services as rs
from referrals.forms import BookForm
from referrals.letters import bring_of
from referrals.models import Appointment, Citizen, Location, Referral
from referrals.vocabulary import Status

# The referral with what the real path reads of its citizen (phone_is_mobile, reads_poorly and
# helper_gets_copy decide the steps this sketch leaves out) and of both organisations.
R, C, L = Referral.__table__, Citizen.__table__, Location.__table__
M = Organisation.__table__.alias("m")
A = Organisation.__table__.alias("a")
_REF = (select(R.c.id, R.c.status, R.c.municipality_id, R.c.owner_org_id, R.c.referring_org_id, R.c.citizen_id,
               C.c.phone_e164, C.c.phone_is_mobile, C.c.channel, C.c.language, C.c.name, C.c.reads_poorly,
               C.c.helper_gets_copy, M.c.name.label("m_name"), M.c.sms_name, A.c.name.label("a_name"))
        .join(C, C.c.id == R.c.citizen_id).join(M, M.c.id == R.c.municipality_id).join(A, A.c.id == R.c.referring_org_id))
_REF_AGENCY = _REF.where(R.c.id == bindparam("rid"), R.c.referring_org_id == bindparam("org"))
_REF_TOWN = _REF.where(R.c.id == bindparam("rid"), R.c.municipality_id == bindparam("org"))
_APPT = text("INSERT INTO appointment (referral_id, slot_id, location_id, municipality_id, starts_at, status, channel, "
             "booked_at, booked_by_id) VALUES (:referral_id, :slot_id, :location_id, :municipality_id, :starts_at, "
             "'booked', :channel, :booked_at, :booked_by_id) ON CONFLICT (referral_id) WHERE status = 'booked' "
             "DO NOTHING RETURNING id").bindparams(
    *(bindparam(n, type_=Appointment.__table__.c[n].type)
      for n in ("referral_id", "slot_id", "location_id", "municipality_id", "starts_at", "channel", "booked_at",
                "booked_by_id")))
_LOC = select(L.c.name, L.c.street, L.c.city, L.c.room, L.c.phone, L.c.what_to_bring, L.c.what_to_bring_en).where(
    L.c.id == bindparam("lid"))
SMS_T = OutboxMessage.__table__
_SMS_COLS = ["organisation_id", "to_e164", "purpose", "language", "body", "segments", "subject_type", "subject_id",
             "dedup_key", "attempts", "expires_at", "created_at", "status_changed_at"]
_SMS = text(
    f"INSERT INTO sms_message ({', '.join(_SMS_COLS)}, status, next_attempt_at, error_code, error_reason) VALUES "
    f"({', '.join(':' + c for c in _SMS_COLS)}, CASE WHEN {_OPTED_OUT} THEN 'failed' ELSE 'queued' END, "
    f"CASE WHEN {_OPTED_OUT} THEN NULL ELSE :next_attempt_at END, CASE WHEN {_OPTED_OUT} THEN 'opted_out' ELSE NULL END, "
    f"CASE WHEN {_OPTED_OUT} THEN :error_reason ELSE NULL END) ON CONFLICT (dedup_key) DO NOTHING").bindparams(
    *(bindparam(n, type_=SMS_T.c[n].type) for n in _SMS_COLS + ["next_attempt_at", "error_reason"]))


def create_app():
    app = create_stack_app()

    @allow(Role.AGENT, Role.COUNTER, Role.COORDINATOR)
    def core_book(referral_id):
        agency = current_user.organisation.kind == OrgKind.AGENCY
        conn = db.session.connection()
        ref = conn.execute(_REF_AGENCY if agency else _REF_TOWN,
                           {"rid": referral_id, "org": current_user.organisation_id}).first()
        if ref is None:
            abort(404)
        form = BookForm()
        if not form.validate_on_submit():
            abort(400)
        if ref.status not in (Status.REFERRED, Status.CANCELLED, Status.NO_SHOW):
            abort(409)
        now = clock.now()
        slot = conn.execute(rs._CLAIM_SEAT, {"seat_slot": form.slot.data, "of_municipality": ref.municipality_id,
                                             "now": now}).first()
        if slot is None:
            abort(409)
        appt = conn.execute(_APPT, dict(referral_id=ref.id, slot_id=slot.id, location_id=slot.location_id,
                                        municipality_id=slot.municipality_id, starts_at=slot.starts_at,
                                        channel=ref.channel, booked_at=now, booked_by_id=current_user.id)).scalar()
        loc = conn.execute(_LOC, {"lid": slot.location_id}).first()
        conn.execute(rs._MOVE_REFERRAL, {"moved_id": ref.id, "status": "booked", "updated_at": now})
        conn.execute(rs._ADD_HISTORY, dict(referral_id=ref.id, at=now, by_user_id=current_user.id,
                                           from_status=ref.status, to_status="booked", owner_org_id=ref.owner_org_id,
                                           note=f"Afspraak {stored_when(slot.starts_at)}, {loc.name}"[:200]))
        lang = ref.language
        values = {"sender": ref.sms_name or default_sms_name(ref.m_name), "address": loc.street, "city": loc.city,
                  "where": ", ".join(p for p in (loc.room, loc.street, loc.city) if p),
                  "bring": bring_of(loc, lang), "phone": loc.phone,
                  **sms_date_time(slot.starts_at, lang),
                  "maker": sms_texts.agency_with_article(ref.a_name, lang)}
        phone = parse_phone(ref.phone_e164)
        _t, used = sms_texts.template_for("appointment_confirmation", lang)
        body = sms_texts.render("appointment_confirmation", used, values)
        conn.execute(_SMS, dict(organisation_id=slot.municipality_id, to_e164=phone.e164,
                                purpose="appointment_confirmation", language=used, body=body,
                                segments=gsm7.segments(body), subject_type="appointment", subject_id=appt,
                                dedup_key=f"appointment:{appt}:appointment_confirmation", attempts=0,
                                expires_at=slot.starts_at, created_at=now, status_changed_at=now,
                                next_attempt_at=next_allowed_send(now), error_reason=reason_for("opted_out")))
        record("appointment", "create", "citizen", ref.citizen_id, detail=f"afspraak {appt} geboekt",
               actor=current_user)
        return redirect(url_for("referrals.confirmation", referral_id=referral_id))

    app.add_url_rule("/bench/core-boeking/<int:referral_id>", "core_book", core_book, methods=["POST"])
    return app
