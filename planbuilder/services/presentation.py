"""Stored values as people read them: option labels instead of codes, dates as dates, rows as rows."""
from __future__ import annotations

from datetime import date
from typing import Any

from ..plan_templates import Field, PlanTemplate
from .content import is_empty


def display_value(template: PlanTemplate, field: Field, value: Any) -> str | list[str]:
    """Text for a single value, or a list of texts for a multi-valued field; '' when empty."""
    if is_empty(value):
        return ""
    kind = field.type
    if kind == "single_choice":
        return field.option_label(value)
    if kind in ("multiple_choice", "checklist"):
        return [field.option_label(v) for v in value]
    if kind == "catalogue":
        return [(template.catalogue_entry(field.catalogue or "", v) or _Unknown(v)).name for v in value]
    if kind == "yes_no":
        from flask_babel import gettext as _
        return _("Yes") if value else _("No")
    if kind == "date":
        return date.fromisoformat(value).isoformat()
    if kind == "number":
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(value)


def display_rows(template: PlanTemplate, field: Field, rows: list[dict] | None) -> list[list[str]]:
    """A group's rows as table cells, one per sub-field in template order (lists joined with commas)."""
    table = []
    for row in rows or []:
        cells = []
        for sub in field.fields:
            shown = display_value(template, sub, row.get(sub.id))
            cells.append(", ".join(shown) if isinstance(shown, list) else shown)
        table.append(cells)
    return table


class _Unknown:
    def __init__(self, entry_id: str):
        self.name = entry_id
