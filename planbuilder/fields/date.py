"""`date`: one day, stored as ISO text (2027-03-15), shown the way the reader's language writes it."""
from __future__ import annotations

from datetime import date
from typing import Any

from babel.core import Locale
from babel.dates import format_date
from wtforms import DateField
from wtforms.validators import Optional

from ..locales import date_locale
from .base import N_, FieldType, Problem, is_empty, reader_locale, register


def local_date(value: Any, compact: bool = False) -> str:
    """A stored ISO date in the current locale, in full ("15 mars 2027") or short ("2027-03-15", "15.03.2027");
    a value that is not a date is shown as stored."""
    try:
        locale = date_locale(Locale.parse(reader_locale()))
        return format_date(date.fromisoformat(str(value)), "short" if compact else "long", locale=locale)
    except ValueError:
        return str(value)


class Date(FieldType):
    name = "date"
    schema_properties = {}  # no settings of its own
    messages = {"not_a_date": N_("must be a date (YYYY-MM-DD)")}
    column_weight = 1.2

    def form_field(self, field, template):
        return DateField(field.label, description=field.help, validators=[Optional()],
                         render_kw={"autocomplete": "off"})

    def to_form(self, field, value):
        return None if is_empty(value) else date.fromisoformat(value)

    def from_form(self, field, data, template):
        return data.isoformat() if data else None

    def problem(self, field, value, template):
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return Problem("not_a_date")
        return None

    def texts(self, field, value, template, compact=False):
        return () if is_empty(value) else (local_date(value, compact),)


DATE = register(Date())
