"""Digisterker courses: planning, enrolment with a waiting list, reminders, attendance."""
