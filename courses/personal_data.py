"""What courses hold about a person, registered with privacy.registry: enrolments and attendance.
They hold no name or number (those are on the citizen), so an erasure leaves them to be counted.
Imported by app.py."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from courses.models import Attendance, Course, Enrolment
from extensions import db
from extensions.dates import when
from privacy.registry import Holding, Person, register, register_sms_subjects
from referrals.models import Referral

# The citizen's SMS about an enrolment, also one sent to a number he has since corrected.
register_sms_subjects("citizen", lambda citizen_id: [("course_enrolment", i) for i in db.session.execute(
    select(Enrolment.id).join(Referral, Referral.id == Enrolment.referral_id)
    .where(Referral.citizen_id == citizen_id)).scalars()])


def _export(person: Person) -> list[dict]:
    present = (select(func.count()).select_from(Attendance)
               .where(Attendance.enrolment_id == Enrolment.id, Attendance.present.is_(True)).scalar_subquery())
    rows = db.session.execute(
        select(Enrolment, Course.title, present).join(Course, Course.id == Enrolment.course_id)
        .join(Referral, Referral.id == Enrolment.referral_id).where(Referral.citizen_id == person.id)
        .order_by(Enrolment.id)).all()
    return [{_l("Cursus"): title, _l("Status"): str(e.status_label), _l("Aangemeld"): when(e.created_at, "stamp_long"),
             _l("Aanwezig (keer)"): str(times)} for e, title, times in rows]


register(Holding(
    code="course_enrolment", label=_l("Cursussen (Digisterker)"), tables=("course_enrolment", "course_attendance"),
    person_types=("citizen",), export=_export, erase=lambda person: 0,
    how=_l("blijft zonder persoonsgegevens (telt mee in rapportages)")))
