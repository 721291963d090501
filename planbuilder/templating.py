"""Helpers every page template may use: labels for statuses and locale-aware dates."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from .models import VersionStatus
from .services.plans.wizard import SectionStatus
from .template_model import Field, PlanTemplate

# Lazy: read in the language of the moment, the reader's on a page and the plan's in its document.
STATUS_LABELS = {
    VersionStatus.DRAFT: _l("Draft"),
    VersionStatus.IN_REVIEW: _l("In review"),
    VersionStatus.ADOPTED: _l("Adopted"),
    VersionStatus.SUPERSEDED: _l("Superseded"),
}


TASK_STATUS_LABELS = {
    SectionStatus.NOT_STARTED: _l("Not started"),
    SectionStatus.IN_PROGRESS: _l("In progress"),
    SectionStatus.COMPLETED: _l("Completed"),
    SectionStatus.NEEDS_ATTENTION: _l("Needs attention"),
    SectionStatus.TO_REVIEW: _l("To review"),
}


def status_label(status: str) -> str:
    """A version's status as people read it: on a page, in the plan document, in a message."""
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
