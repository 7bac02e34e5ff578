"""Whom referrals' records are about, for the processing log (privacy, the lower layer, asks)."""
from __future__ import annotations

from sqlalchemy import select

from extensions import DomainError, db
from messaging.phone import parse_phone
from privacy.services import register_person_finder, register_subject_persons
from referrals.models import Citizen, Referral, Task


def _citizens_of_referrals(ids: list[int]) -> list[tuple[str, int]]:
    return [("citizen", cid) for cid in db.session.execute(
        select(Referral.citizen_id).where(Referral.id.in_(ids)).order_by(Referral.id)).scalars()]


def _citizens_of_tasks(ids: list[int]) -> list[tuple[str, int]]:
    return [("citizen", cid) for cid in db.session.execute(
        select(Referral.citizen_id).join(Task, Task.referral_id == Referral.id).where(Task.id.in_(ids))
        .order_by(Task.id)).scalars()]


def _citizens_by_phone(typed: str) -> list[tuple[str, int]]:
    try:
        e164 = parse_phone(typed).e164
    except DomainError:
        return []
    return [("citizen", cid) for cid in db.session.execute(
        select(Citizen.id).where(Citizen.phone_e164 == e164).order_by(Citizen.id)).scalars()]


register_subject_persons("referral", _citizens_of_referrals)
register_subject_persons("task", _citizens_of_tasks)
register_person_finder(_citizens_by_phone)
