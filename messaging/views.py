"""Messaging pages and webhooks (filled in below)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("messaging", __name__)
