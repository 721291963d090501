"""Council review and sharing: comments on sections, review summary, read-only share links."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__)
