"""Plan content: a JSON mapping {section_id: {field_id: value}} checked against its template.

Stored drafts may be incomplete (required fields are a matter of completeness, not validity); what is stored
must always be valid: right types, known ids, choices among the options, within the limits.

Each field's type decides what fits it (planbuilder/fields/); a problem is a fields.Problem, a message key and
its parameters, read in English on the command line and in the reader's language on a page.
"""
from __future__ import annotations

from typing import Any

from ...fields import Problem, is_empty, message_text
from ...fields.base import PROBLEM_MESSAGES
from ...fields.group import ROW_ID
from ...template_model import Field, PlanTemplate, Section

__all__ = ["PROBLEM_MESSAGES", "ROW_ID", "Problem", "content_problems", "is_empty", "is_section_started",
           "message_text", "missing_required", "section_values", "value_problem"]


def value_problem(field: Field, value: Any, template: PlanTemplate) -> Problem | None:
    """Why this stored value does not fit the field, or None when it does (its type decides)."""
    return field.kind.problem(field, value, template)


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
    return [field for field in section.fields if field.kind.is_missing(field, values.get(field.id))]


def is_section_started(content: dict, section: Section) -> bool:
    return any(not is_empty(v) for v in section_values(content, section).values())
