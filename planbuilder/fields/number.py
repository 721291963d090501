"""`number`: a whole or decimal number, optionally within `min` and `max`; every decimal the person typed is
kept and shown, with the reader's decimal sign ("2,5")."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask_babel import gettext as _
from wtforms import DecimalField
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from .base import N_, FieldType, Problem, is_empty, reader_locale, register


def local_number(value: Any) -> str:
    """A stored number with the reader's decimal sign and digit grouping ("1,5", "12 500"), every decimal kept."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return format_decimal(value, locale=reader_locale(), decimal_quantization=False)


class FiniteNumber:
    """NaN and infinity parse as numbers but cannot be stored as JSON (PostgreSQL refuses them)."""

    def __call__(self, form, field):
        if field.data is not None and not field.data.is_finite():
            raise ValidationError(_("Enter a number."))


class LocalDecimalField(DecimalField):
    """A number typed the way people write it here: a decimal comma or point, spaces between thousands. Drawn as
    a text box: a browser's number box sends nothing for "50 procent" (the stored answer was then emptied while
    the page said "Saved") and reads "50,5" its own way; a text box sends what was typed, and a mistyped number
    gets its message next to the field."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [SPACES.sub("", valuelist[0]).replace(",", ".")]
        super().process_formdata(valuelist)


SPACES = re.compile(r"[\s\u00a0\u202f']")  # thousands separators: spaces (also no-break, narrow) and apostrophes


class Number(FieldType):
    name = "number"
    schema_properties = {"min": {"type": ["number", "null"], "description": "Smallest number allowed (optional)."},
                         "max": {"type": ["number", "null"], "description": "Largest number allowed (optional)."}}
    messages = {"not_a_number": N_("must be a number"), "out_of_range": N_("is outside the allowed range")}

    def declare(self, declaration):
        return {"min": declaration.number("min"), "max": declaration.number("max")}

    def form_field(self, field, template):
        return LocalDecimalField(field.label, description=field.help, places=None,
                                 validators=[Optional(), FiniteNumber(), NumberRange(min=field.min, max=field.max)])

    def input_attributes(self, field):
        return {"inputmode": "decimal"}

    def to_form(self, field, value):
        return None if is_empty(value) else Decimal(str(value))

    def from_form(self, field, data, template):
        if data is None:
            return None
        return int(data) if data == data.to_integral_value() else float(data)

    def problem(self, field, value, template):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return Problem("not_a_number")
        if field.min is not None and value < field.min or field.max is not None and value > field.max:
            return Problem("out_of_range")
        return None

    def texts(self, field, value, template, compact=False):
        return () if is_empty(value) else (local_number(value),)


NUMBER = register(Number())
