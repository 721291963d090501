"""Helpers every page template may use: labels for statuses and locale-aware dates."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel import dates
from flask import Flask, current_app
from flask_babel import get_locale, to_user_timezone
from flask_babel import lazy_gettext as _l

from .fields.number import local_number
from .locales import date_locale
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


def row_title(field: Field) -> str:
    """What one row of a group is called on a page: its row label, capitalised, or "Row"."""
    return field.row_label[:1].upper() + field.row_label[1:] if field.row_label else str(_l("Row"))


# A folded row shows a few of its one-line answers, each cut short, so the card stays one line.
ROW_FACTS, FACT_LENGTH = 3, 60
# Sub-fields a row's title already names ("Aktör 3: Polisen"), so they are no key fact.
TITLE_SUBFIELDS = ("name", "title")


@dataclass(frozen=True)
class RowCard:
    """What the folded card of one row of a group shows, and whether the row is left open."""
    facts: tuple[str, ...]
    unfinished: bool  # nothing answered yet, or a required answer still missing: shown open to be written


def row_card(field: Field, row_form, template: PlanTemplate) -> RowCard:
    """One row as its card reads: its first few one-line answers in the reader's words (a choice by its label),
    written by the sub-fields' own types from what the row's form holds; long texts are left to the open row."""
    stored = (field.kind.from_form(field, [row_form.data], template) or [{}])[0]
    one_line = [sub for sub in field.fields
                if sub.id not in TITLE_SUBFIELDS and row_form[sub.id].type != "TextAreaField"]
    facts = [cell if len(cell) <= FACT_LENGTH else cell[:FACT_LENGTH - 1].rstrip() + "…"
             for cell in field.kind.row_cells(field, stored, template, one_line) if cell]
    unfinished = (not any(sub.id in stored for sub in field.fields)
                  or any(sub.kind.is_missing(sub, stored.get(sub.id)) for sub in field.fields))
    return RowCard(tuple(facts[:ROW_FACTS]), unfinished)


def register(app: Flask) -> None:
    app.add_template_global(answer_texts)
    app.add_template_global(row_title)
    app.add_template_global(row_card)
    app.add_template_global(status_label)
    app.add_template_global(task_status_label)
    app.add_template_global(get_locale)
    app.add_template_filter(_datetime_text, "datetimeformat")
    app.add_template_filter(_date_text, "dateformat")
    app.add_template_filter(local_number, "local_number")
    app.add_template_global(template_title)


def _datetime_text(value) -> str:
    """A moment on the reader's clock, written the reader's way ("2026-03-05 14:07", "05/03/2026, 14:07")."""
    if not value:
        return ""
    return dates.format_datetime(to_user_timezone(value), "short", locale=date_locale(get_locale()))


def _date_text(value) -> str:
    return dates.format_date(value, "medium", locale=date_locale(get_locale())) if value else ""


def template_title(template_id: str) -> str:
    """A plan template as people know it, by its title; its id only if it is gone from plan_templates/."""
    found = current_app.extensions["plan_templates"].get(template_id)
    return found.title if found is not None else template_id
