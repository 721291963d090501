"""Plan content: a JSON mapping {section_id: {field_id: value}} checked against its template.

Stored drafts may be incomplete (required fields are a matter of completeness, not validity); what is stored
must always be valid: right types, known ids, choices among the options, within the limits.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..plan_templates import CHOICE_TYPES, TEXT_TYPES, Field, PlanTemplate, Section

ROW_ID = re.compile(r"^[0-9a-f]{8,32}$")


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _value_problem(field: Field, value: Any, template: PlanTemplate) -> str | None:
    """Why this stored value does not fit the field, or None when it does."""
    kind = field.type
    if kind in TEXT_TYPES:
        if not isinstance(value, str):
            return "must be text"
        if field.max_length and len(value) > field.max_length:
            return f"is longer than {field.max_length} characters"
        return None
    if kind == "single_choice":
        return None if value in {o.value for o in field.options} else f"'{value}' is not one of the options"
    if kind in CHOICE_TYPES or kind == "catalogue":
        allowed = ({o.value for o in field.options} if kind in CHOICE_TYPES
                   else {e.id for e in template.catalogues.get(field.catalogue or "", ())})
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of choices"
        unknown = [v for v in value if v not in allowed]
        return f"'{unknown[0]}' is not one of the options" if unknown else None
    if kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return "must be a date (YYYY-MM-DD)"
        return None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a number"
        if field.min is not None and value < field.min or field.max is not None and value > field.max:
            return "is outside the allowed range"
        return None
    if kind == "yes_no":
        return None if isinstance(value, bool) else "must be yes or no"
    if kind == "group":
        return _group_problem(field, value, template)
    return f"has an unknown type '{kind}'"


def _group_problem(field: Field, rows: Any, template: PlanTemplate) -> str | None:
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return "must be a list of rows"
    if len(rows) > field.max_rows:
        return f"has more than {field.max_rows} rows"
    seen = set()
    for number, row in enumerate(rows, start=1):
        row_id = row.get("_id")
        if not isinstance(row_id, str) or not ROW_ID.match(row_id) or row_id in seen:
            return f"row {number} has no valid, unique _id"
        seen.add(row_id)
        ref = row.get("_ref")
        if ref is not None and template.catalogue_entry(field.catalogue or "", ref) is None:
            return f"row {number} refers to '{ref}', which is not in the catalogue"
        for key, value in row.items():
            if key in ("_id", "_ref") or is_empty(value):
                continue
            sub = field.subfield(key)
            if sub is None:
                return f"row {number} has an unknown field '{key}'"
            problem = _value_problem(sub, value, template)
            if problem:
                return f"row {number} › {sub.id} {problem}"
    return None


def content_problems(template: PlanTemplate, content: Any) -> list[str]:
    """Every way the content fails to fit its template, as 'section › field: problem' lines."""
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
                problem = _value_problem(field, value, template)
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
