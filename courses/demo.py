"""Demo data of the courses: a Digisterker course with four sessions at the Utrecht Stadskantoor,
starting on a weekday three days from now. Runs after referrals.demo. Idempotent."""
from __future__ import annotations

from datetime import time, timedelta

from accounts.demo import first
from accounts.models import Organisation, User
from courses import services
from courses.models import Course
from extensions import unit_of_work
from extensions.dates import local_today
from referrals.models import Location

COURSE_TITLE = "Digisterker: Werken met de e-overheid"



@unit_of_work()
def seed() -> None:
    utrecht = first(Organisation, Organisation.name == "Gemeente Utrecht")
    coordinator = first(User, User.email == "coordinator@utrecht.demo.nl")
    if utrecht is None or coordinator is None:
        return
    location = first(Location, Location.municipality_id == utrecht.id, Location.name == "Stadskantoor")
    if location is None:
        return
    _seed_course(utrecht, location, coordinator)


def _seed_course(utrecht: Organisation, location: Location, coordinator: User) -> None:
    if first(Course, Course.municipality_id == utrecht.id, Course.title == COURSE_TITLE):
        return
    start = local_today() + timedelta(days=3)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    services.plan_course(utrecht.id, services.CourseInput(
        title=COURSE_TITLE, location_id=location.id, capacity=8, first_day=start, starts=time(10), ends=time(12),
        sessions=4, intake_note="Neem uw telefoon of tablet mee, en uw DigiD als u die al heeft."), actor=coordinator)
