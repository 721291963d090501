"""Field types: one module per type, one registry (see base.py and docs/field-types.md).

Importing this package registers the built-in types.
"""
from __future__ import annotations

from . import catalogue, choice, date, group, number, text, yes_no  # noqa: F401  (each registers its type)
from .base import (
                   CHECKBOXES,
                   INPUT,
                   ITEMS,
                   RADIO,
                   ROWS,
                   WHOLE,
                   WORDS,
                   FieldType,
                   Problem,
                   field_type,
                   is_empty,
                   message_text,
                   register,
                   type_names,
                   unregister,
)

__all__ = ["CHECKBOXES", "INPUT", "ITEMS", "RADIO", "ROWS", "WHOLE", "WORDS", "FieldType", "Problem",
           "field_type", "is_empty", "message_text", "register", "type_names", "unregister"]
