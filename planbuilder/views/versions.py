"""Versions: history, lifecycle (submit, withdraw, adopt), annual revision, comparing versions."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("versions", __name__)
