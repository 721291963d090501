"""The guided wizard: task list, section pages, autosave, check your answers."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("wizard", __name__)
