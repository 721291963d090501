"""The plan document: HTML preview and downloads (PDF per edition, DOCX)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__)
