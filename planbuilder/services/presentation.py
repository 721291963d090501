"""Stored values as people read them: option labels instead of codes, dates and numbers written the way the
reader's language writes them, rows as rows."""
from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _

from ..plan_templates import Field, PlanTemplate
from .content import is_empty

# Outside a request and an app (a pure function called from a script), the app's own default.
FALLBACK_LOCALE = "en"


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
        return _("Yes") if value else _("No")
    if kind == "date":
        return local_date(value)
    if kind == "number":
        return local_number(value)
    return str(value)


def local_date(value: Any) -> str:
    """A stored ISO date as the reader's language writes it in full ("15 mars 2027", "15. marts 2027")."""
    try:
        return format_date(date.fromisoformat(str(value)), "long", locale=get_locale() or FALLBACK_LOCALE)
    except ValueError:
        return str(value)


def local_number(value: Any) -> str:
    """A stored number with the reader's decimal sign and digit grouping ("1,5", "12 500"), every decimal kept."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return format_decimal(value, locale=get_locale() or FALLBACK_LOCALE, decimal_quantization=False)


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
