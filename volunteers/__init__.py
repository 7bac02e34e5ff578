"""Volunteer buddies: the registry, screening (VOG), explainable matching, SMS offers and
replies, pairings with monthly visits, evaluations and ending. Volunteers have no login: SMS only."""
