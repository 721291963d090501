"""Helpers every page template may use: labels for statuses and locale-aware dates."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from .template_model import Field, PlanTemplate

STATUS_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "adopted": _l("Adopted"),
    "superseded": _l("Superseded"),
}


TASK_STATUS_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "needs_attention": _l("Needs attention"),
    "to_review": _l("To review"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def task_status_label(status: str) -> str:
    return str(TASK_STATUS_LABELS.get(status, status))


def answer_texts(template: PlanTemplate, field: Field, value: Any) -> list[str]:
    """A stored answer as people read it on a page (check your answers, review): one text, or one per item (per
    row for a repeating group), [] when empty. The field's own type writes it, in the reader's language, exactly
    as the printed plan and the comparison do."""
    return list(field.kind.texts(field, value, template))


def register(app: Flask) -> None:
    app.add_template_global(answer_texts)
    app.add_template_global(status_label)
    app.add_template_global(task_status_label)
    app.add_template_global(get_locale)
    app.add_template_filter(lambda value: format_datetime(value, "short") if value else "", "datetimeformat")
    app.add_template_filter(lambda value: format_date(value, "medium") if value else "", "dateformat")
