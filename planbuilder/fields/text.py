"""Free text: `short_text` (one line) and `long_text` (paragraphs)."""
from __future__ import annotations

from wtforms import StringField, TextAreaField

from .base import N_, WORDS, FieldType, Problem, is_empty, register
from .blocks import Text, paragraphs
from .validators import LengthAtMost


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ShortText(FieldType):
    name = "short_text"
    schema_properties = {"max_length": {"type": ["integer", "null"], "minimum": 0, "description": (
        "Most characters an answer may have (default: short_text 300, long_text 10000).")}}
    messages = {"not_text": N_("must be text"), "too_long": N_("is longer than %(limit)s characters")}
    diff_style = WORDS
    column_weight = 2.0
    default_max_length = 300

    def declare(self, declaration):
        return {"max_length": declaration.whole_number("max_length", self.default_max_length)}

    def _validators(self, field):
        return [LengthAtMost(field.max_length or self.default_max_length)]

    def form_field(self, field, template):
        return StringField(field.label, description=field.help, validators=self._validators(field), filters=[_strip])

    def input_attributes(self, field):
        return {"data-maxlength": field.max_length} if field.max_length else {}

    def problem(self, field, value, template):
        if not isinstance(value, str):
            return Problem("not_text")
        if field.max_length and len(value) > field.max_length:
            return Problem("too_long", {"limit": field.max_length})
        return None


class LongText(ShortText):
    name = "long_text"
    column_weight = 3.0
    default_max_length = 10000

    def form_field(self, field, template):
        return TextAreaField(field.label, description=field.help, validators=self._validators(field))

    def input_attributes(self, field):
        return {**super().input_attributes(field), "rows": 6}

    def from_form(self, field, data, template):
        # Browsers send line breaks as CRLF; a text of only blanks is no answer.
        return data.replace("\r\n", "\n") if data and data.strip() else None

    def document_block(self, field, value, template, edition):
        found = paragraphs(value)
        return Text(field.label, found) if found else None

    def table_cell(self, field, value, template) -> tuple[str, ...]:
        return () if is_empty(value) else paragraphs(value)


SHORT_TEXT = register(ShortText())
LONG_TEXT = register(LongText())
