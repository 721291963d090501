"""What every field type is asked, and the registry that answers with the type of a field.

A field type owns the whole round of one kind of answer: how a plan template declares it, the form field a
coordinator types into, the value stored for it and how that value is checked, when it counts as empty, and how
it reads on screen, in the printed plan and in a comparison. Every other module asks the field's type
(`field.kind`) rather than testing `field.type`, so a new type is one module (see docs/field-types.md).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, ClassVar

from babel.core import Locale
from flask_babel import get_locale, gettext

from .blocks import Block, Value, clean_text

if TYPE_CHECKING:
    from ..template_model import Field, PlanTemplate
    from .declaration import Declaration

# Outside a request and an app (a pure function called from a script), the app's own default.
FALLBACK_LOCALE = "en"

# How a section form draws a field: one input, a group of radio buttons or checkboxes, or rows of sub-fields.
INPUT, RADIO, CHECKBOXES, ROWS = "input", "radio", "checkboxes", "rows"
# How a comparison shows a changed value: word by word, items added and removed, or old and new whole.
WORDS, ITEMS, WHOLE = "words", "items", "whole"


def N_(message: str) -> str:
    """Marks a message for the catalogues (pybabel extracts N_) without translating it now."""
    return message


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def reader_locale() -> Locale | str:
    """The locale texts are written in: the reader's on a page, the plan's while a document is built (both set
    by Flask-Babel), English outside an app."""
    try:
        return get_locale() or FALLBACK_LOCALE
    except RuntimeError:
        return FALLBACK_LOCALE


# --- problems with stored values ------------------------------------------------------------------------------

PROBLEM_MESSAGES: dict[str, str] = {
    "unknown_type": N_("has an unknown type '%(type)s'"),
}


def register_messages(messages: Mapping[str, str]) -> None:
    """Problem messages that belong to no single type (an honest answer's, say)."""
    PROBLEM_MESSAGES.update(messages)


@dataclass(frozen=True)
class Problem:
    """Why a stored value does not fit its field: a message key and its parameters, not a sentence, so a problem
    kept in the database (a revision's left-out answers) reads in each reader's language. Row and cell say
    where, for a repeating group's value."""
    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)
    row: int | None = None
    cell: str | None = None

    def __str__(self) -> str:
        """In English, for the command line: "is longer than 50 characters", "row 2 › name must be text"."""
        text = message_text(self.code, self.params, translate=False)
        if self.row is None:
            return text
        return f"row {self.row} › {self.cell} {text}" if self.cell else f"row {self.row} {text}"


def message_text(code: str, params: Mapping[str, Any] | None, translate: bool = True,
                 messages: Mapping[str, str] | None = None) -> str:
    """A message key (of PROBLEM_MESSAGES unless told) and its parameters as text; a key this release does not
    know is shown as it is."""
    message = (PROBLEM_MESSAGES if messages is None else messages).get(code)
    if message is None:
        return str(code)
    params = dict(params or {})
    try:
        if translate:
            return gettext(message, **params)
        return message % params if params else message
    except (KeyError, TypeError, ValueError):  # parameters stored by another release
        return gettext(message) if translate else message


# --- the field type -------------------------------------------------------------------------------------------

class FieldType:
    """The behaviour of one kind of field. Subclass it, set `name`, override what differs, and `register()` it.

    The defaults describe a one-line value stored as it is typed: a type overrides only what differs.
    """

    name: ClassVar[str] = ""
    # Messages of this type's problems by key, added to PROBLEM_MESSAGES when the type is registered.
    messages: ClassVar[dict[str, str]] = {}
    widget: ClassVar[str] = INPUT
    diff_style: ClassVar[str] = WHOLE
    # Several texts (a list on screen, items in the document) rather than one.
    multiple: ClassVar[bool] = False
    # Relative width of this field's column when it is a sub-field printed in a table.
    column_weight: ClassVar[float] = 1.2
    # May stand inside a repeating group (a group cannot hold another group).
    allowed_in_rows: ClassVar[bool] = True
    # JSON Schema of the settings this type reads from a field's declaration (docs/plan-template.schema.json).
    schema_properties: ClassVar[dict[str, Any]] = {}

    # -- the template's declaration
    def declare(self, declaration: Declaration) -> dict[str, Any]:
        """Read and check this type's own settings from the template (`declaration.raw`), reporting problems
        through `declaration`; returns them as attributes of the Field (e.g. {"options": (...)}). Settings
        other types own but this one does not use are ignored."""
        return {}

    # -- the form
    def form_field(self, field: Field, template: PlanTemplate):
        """The unbound WTForms field a coordinator types into."""
        raise NotImplementedError(f"field type {self.name} has no form field")

    def input_attributes(self, field: Field) -> dict[str, Any]:
        """Extra HTML attributes for an INPUT widget (rows of a text area, inputmode …)."""
        return {}

    def to_form(self, field: Field, value: Any) -> Any:
        """A stored value as the data the form field is built with."""
        return None if is_empty(value) else value

    def from_form(self, field: Field, data: Any, template: PlanTemplate) -> Any:
        """The value to store from the validated form field's data; None (or empty) for no answer."""
        return data or None

    # -- stored values
    def read(self, field: Field, value: Any, template: PlanTemplate | None) -> Any:
        """A stored value in the shape this type works with: a value stored in an earlier shape (by an older
        release of the template) read as the current one. The stored value itself is left as it is."""
        return value

    def problem(self, field: Field, value: Any, template: PlanTemplate) -> Problem | None:
        """Why a (non-empty) stored value does not fit the field, or None when it does."""
        return None

    def is_missing(self, field: Field, value: Any) -> bool:
        """Whether completing the section still needs an answer here."""
        return field.required and is_empty(value)

    # -- reading: one formatter for screen, document and comparison
    def texts(self, field: Field, value: Any, template: PlanTemplate | None, compact: bool = False) -> tuple[str, ...]:
        """The value as a person reads it, in the current locale: one text, or one per item for a `multiple`
        type; () when empty. `compact` asks for the short form a table cell has room for."""
        return () if is_empty(value) else (str(value),)

    def document_block(self, field: Field, value: Any, template: PlanTemplate, edition: str) -> Block | None:
        """The printed form of a non-empty value (HTML preview, PDF and DOCX all print the document model)."""
        shown = self.texts(field, value, template)
        text = clean_text(", ".join(shown))
        return Value(field.label, text) if text else None

    def table_cell(self, field: Field, value: Any, template: PlanTemplate) -> tuple[str, ...]:
        """A sub-field's value as the paragraphs of one table cell."""
        text = clean_text(", ".join(self.texts(field, value, template, compact=True)))
        return (text,) if text else ()


# --- the registry ---------------------------------------------------------------------------------------------

_TYPES: dict[str, FieldType] = {}


def register(field_type: FieldType) -> FieldType:
    """Make a field type available to every template. Registering a name again replaces the earlier type."""
    if not field_type.name:
        raise ValueError("a field type needs a name")
    _TYPES[field_type.name] = field_type
    PROBLEM_MESSAGES.update(field_type.messages)
    return field_type


def unregister(name: str) -> None:
    _TYPES.pop(name, None)


def field_type(name: str) -> FieldType | None:
    return _TYPES.get(name)


def type_names() -> tuple[str, ...]:
    return tuple(_TYPES)
