"""Honest answers: a required field answered "not known yet" or "not applicable", with a short reason.

A coordinator must never be forced to invent a fact (a situational picture's date, a follow-up interval) to
complete a section. Any required field of any type (except a repeating group, which can simply have no rows yet)
may be answered this way unless its template says `honest: false`. The stored value is a small mapping,
{"_honest": "unknown", "reason": "…"}, whatever the field's type; the field's own type never sees it, because
the field's `kind` is wrapped in `HonestAware`, which answers for it and passes everything else through.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext

from .base import N_, ROWS, FieldType, Problem, register_messages
from .blocks import Value, clean_text

HONEST = "_honest"
UNKNOWN, NOT_APPLICABLE = "unknown", "not_applicable"
KINDS = (UNKNOWN, NOT_APPLICABLE)
REASON_MAX = 300
# A section form names a field's honest answer after the field: which kind, and why.
HONEST_SUFFIX, REASON_SUFFIX = "__honest", "__reason"

register_messages({
    "honest_kind": N_("is an answer of an unknown kind '%(kind)s'"),
    "honest_reason": N_("needs a reason of at most %(limit)s characters"),
})


def honest_answer(value: Any) -> tuple[str, str] | None:
    """(kind, reason) when the value is an honest answer, else None."""
    if isinstance(value, dict) and value.get(HONEST) in KINDS:
        return value[HONEST], str(value.get("reason") or "")
    return None


def honest_value(kind: str, reason: str) -> dict[str, str]:
    return {HONEST: kind, "reason": reason}


def honest_text(kind: str, reason: str) -> str:
    """How the answer reads, on screen and in print: what it is, then why."""
    if kind == NOT_APPLICABLE:
        return gettext("Not applicable: %(reason)s", reason=reason)
    return gettext("Not known yet: %(reason)s", reason=reason)


def honest_names(field) -> tuple[str, str]:
    """The form names of a field's honest answer: which kind, and why."""
    return field.id + HONEST_SUFFIX, field.id + REASON_SUFFIX


def may_be_honest(kind: FieldType, required: bool, allowed: bool) -> bool:
    return required and allowed and kind.widget != ROWS


class HonestAware:
    """A field type that also takes an honest answer; everything else is the wrapped type's."""

    def __init__(self, kind: FieldType):
        self.wrapped = kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def is_missing(self, field, value) -> bool:
        return honest_answer(value) is None and self.wrapped.is_missing(field, value)

    def problem(self, field, value, template) -> Problem | None:
        if isinstance(value, dict) and HONEST in value:
            if value.get(HONEST) not in KINDS:
                return Problem("honest_kind", {"kind": str(value.get(HONEST))[:40]})
            reason = value.get("reason")
            if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
                return Problem("honest_reason", {"limit": REASON_MAX})
            return None
        return self.wrapped.problem(field, value, template)

    def read(self, field, value, template):
        return value if honest_answer(value) else self.wrapped.read(field, value, template)

    def to_form(self, field, value):
        return None if honest_answer(value) else self.wrapped.to_form(field, value)

    def texts(self, field, value, template, compact: bool = False) -> tuple[str, ...]:
        answer = honest_answer(value)
        if answer:
            return (honest_text(*answer),)
        return self.wrapped.texts(field, value, template, compact)

    def document_block(self, field, value, template, edition):
        answer = honest_answer(value)
        if answer:
            return Value(field.label, clean_text(honest_text(*answer)))
        return self.wrapped.document_block(field, value, template, edition)


__all__ = ["HONEST", "HONEST_SUFFIX", "KINDS", "NOT_APPLICABLE", "REASON_MAX", "REASON_SUFFIX", "UNKNOWN",
           "HonestAware", "honest_answer", "honest_names", "honest_text", "honest_value", "may_be_honest"]
