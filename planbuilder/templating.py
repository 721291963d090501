"""Helpers every page template may use: labels for statuses and locale-aware dates."""
from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime, lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "adopted": _l("Adopted"),
    "superseded": _l("Superseded"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def register(app: Flask) -> None:
    app.add_template_global(status_label)
    app.add_template_filter(lambda value: format_datetime(value, "short") if value else "", "datetimeformat")
    app.add_template_filter(lambda value: format_date(value, "medium") if value else "", "dateformat")
