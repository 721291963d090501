"""Plan content: a JSON mapping {section_id: {field_id: value}} checked against its template.

Stored drafts may be incomplete (required fields are a matter of completeness, not validity); what is stored
must always be valid: right types, known ids, choices among the options, within the limits.

A problem with a value is a Problem: a message key and its parameters, not a sentence. The command line reads it
in English (str()); a page translates the key when it shows it (message_text), so a problem kept in the database
(a revision's left-out answers) reads in each reader's language, whoever's request wrote it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dataclass_field
from datetime import date
from typing import Any

from flask_babel import gettext

from ..i18n import N_
from ..plan_templates import CHOICE_TYPES, TEXT_TYPES, Field, PlanTemplate, Section

ROW_ID = re.compile(r"^[0-9a-f]{8,32}$")


PROBLEM_MESSAGES = {
    "not_text": N_("must be text"),
    "too_long": N_("is longer than %(limit)s characters"),
    "not_an_option": N_("'%(value)s' is not one of the options"),
    "not_a_choice_list": N_("must be a list of choices"),
    "not_a_date": N_("must be a date (YYYY-MM-DD)"),
    "not_a_number": N_("must be a number"),
    "out_of_range": N_("is outside the allowed range"),
    "not_yes_no": N_("must be yes or no"),
    "unknown_type": N_("has an unknown type '%(type)s'"),
    "not_rows": N_("must be a list of rows"),
    "too_many_rows": N_("has more than %(limit)s rows"),
    "bad_row_id": N_("has no valid, unique _id"),
    "unknown_ref": N_("refers to '%(ref)s', which is not in the catalogue"),
    "unknown_cell": N_("has an unknown field '%(key)s'"),
}


@dataclass(frozen=True)
class Problem:
    """Why a stored value does not fit its field; row and cell say where, for a repeating group's value."""
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


def message_text(code: str, params: dict[str, Any] | None, translate: bool = True,
                 messages: dict[str, str] | None = None) -> str:
    """A message key (of PROBLEM_MESSAGES unless told) and its parameters as text; a key this release does not
    know is shown as it is."""
    message = (PROBLEM_MESSAGES if messages is None else messages).get(code)
    if message is None:
        return str(code)
    params = params or {}
    try:
        if translate:
            return gettext(message, **params)
        return message % params if params else message
    except (KeyError, TypeError, ValueError):  # parameters stored by another release
        return gettext(message) if translate else message


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def value_problem(field: Field, value: Any, template: PlanTemplate) -> Problem | None:
    """Why this stored value does not fit the field, or None when it does."""
    kind = field.type
    if kind in TEXT_TYPES:
        if not isinstance(value, str):
            return Problem("not_text")
        if field.max_length and len(value) > field.max_length:
            return Problem("too_long", {"limit": field.max_length})
        return None
    if kind == "single_choice":
        return None if value in {o.value for o in field.options} else Problem("not_an_option", {"value": str(value)})
    if kind in CHOICE_TYPES or kind == "catalogue":
        allowed = ({o.value for o in field.options} if kind in CHOICE_TYPES
                   else {e.id for e in template.catalogues.get(field.catalogue or "", ())})
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return Problem("not_a_choice_list")
        unknown = [v for v in value if v not in allowed]
        return Problem("not_an_option", {"value": unknown[0]}) if unknown else None
    if kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return Problem("not_a_date")
        return None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return Problem("not_a_number")
        if field.min is not None and value < field.min or field.max is not None and value > field.max:
            return Problem("out_of_range")
        return None
    if kind == "yes_no":
        return None if isinstance(value, bool) else Problem("not_yes_no")
    if kind == "group":
        return _group_problem(field, value, template)
    return Problem("unknown_type", {"type": kind})


def _group_problem(field: Field, rows: Any, template: PlanTemplate) -> Problem | None:
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return Problem("not_rows")
    if len(rows) > field.max_rows:
        return Problem("too_many_rows", {"limit": field.max_rows})
    seen = set()
    for number, row in enumerate(rows, start=1):
        row_id = row.get("_id")
        if not isinstance(row_id, str) or not ROW_ID.match(row_id) or row_id in seen:
            return Problem("bad_row_id", row=number)
        seen.add(row_id)
        ref = row.get("_ref")
        if ref is not None and template.catalogue_entry(field.catalogue or "", ref) is None:
            return Problem("unknown_ref", {"ref": str(ref)}, row=number)
        for key, value in row.items():
            if key in ("_id", "_ref") or is_empty(value):
                continue
            sub = field.subfield(key)
            if sub is None:
                return Problem("unknown_cell", {"key": key}, row=number)
            problem = value_problem(sub, value, template)
            if problem:
                return Problem(problem.code, problem.params, row=number, cell=sub.id)
    return None


def content_problems(template: PlanTemplate, content: Any) -> list[str]:
    """Every way the content fails to fit its template, as 'section › field: problem' lines in English (for the
    command line and for refusing a save; pages show a Problem in the reader's language instead)."""
    if not isinstance(content, dict):
        return ["the content must be a mapping of sections"]
    problems = []
    for section_id, values in content.items():
        section = template.section(section_id)
        if section is None:
            problems.append(f"{section_id}: unknown section")
            continue
        if not isinstance(values, dict):
            problems.append(f"{section_id}: must be a mapping of fields")
            continue
        for field_id, value in values.items():
            field = section.field(field_id)
            if field is None:
                problems.append(f"{section_id} › {field_id}: unknown field")
            elif not is_empty(value):
                problem = value_problem(field, value, template)
                if problem:
                    problems.append(f"{section_id} › {field_id}: {problem}")
    return problems


def section_values(content: dict, section: Section) -> dict[str, Any]:
    return content.get(section.id) or {}


def missing_required(template: PlanTemplate, content: dict, section: Section) -> list[Field]:
    """The required fields of one section that are still empty (including required sub-fields of rows)."""
    values = section_values(content, section)
    missing = []
    for field in section.fields:
        value = values.get(field.id)
        if field.required and is_empty(value):
            missing.append(field)
        elif field.is_group and isinstance(value, list):
            too_few = len(value) < field.min_rows
            incomplete_row = any(sub.required and is_empty(row.get(sub.id)) for row in value for sub in field.fields)
            if too_few or incomplete_row:
                missing.append(field)
    return missing


def is_section_started(content: dict, section: Section) -> bool:
    return any(not is_empty(v) for v in section_values(content, section).values())
