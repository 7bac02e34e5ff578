"""Figures per role (agency lead, municipality, second line, client council), drawn as SVG charts
beside the same figures as a table, and downloadable as CSV. The highest layer: it reads every
context below it and nothing imports it but app.py."""
