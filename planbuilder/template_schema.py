"""The JSON Schema of a plan template (docs/plan-template.schema.json), built from the field type registry, and
the structure problems it finds in a parsed YAML file.

The schema says which keys a template's mappings hold and of what kind; what it cannot say (ids unique, a
catalogue that exists, a language Babel knows, min_rows not above max_rows) stays with plan_templates.py, and
`templates check` reports both. Template authors point their YAML editor at the published file (see
docs/plan-templates.md). Unknown keys are allowed everywhere, as the parser ignores them.

After changing a field type's settings, regenerate the published file (tests/test_template_schema.py fails
until then) with the command in REGENERATE.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .fields import field_type, type_names
from .fields.declaration import ID_PATTERN, Problems, place_of
from .template_model import DECISION_ROLES

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "plan-template.schema.json"
REGENERATE = 'python -c "from planbuilder.template_schema import write_schema; write_schema()"'

__all__ = ["REGENERATE", "SCHEMA_PATH", "StructureProblem", "TemplateProblems", "schema_problems", "schema_text",
           "structure_problems", "template_schema", "write_schema"]


# --- the schema -----------------------------------------------------------------------------------------------

def _text(description: str, required: bool = False) -> dict[str, Any]:
    """Text as the parser reads it: a string or a number (YAML reads `example: 12` as a number); empty when
    null, which a required text may not be."""
    if required:
        return {"type": ["string", "number"], "minLength": 1, "description": description}
    return {"type": ["string", "number", "null"], "description": description}


def _whole_number(description: str, nullable: bool = True) -> dict[str, Any]:
    return {"type": ["integer", "null"] if nullable else "integer", "minimum": 0, "description": description}


def _flag(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


def _id(description: str, pattern: str = ID_PATTERN.pattern) -> dict[str, Any]:
    # A number works as an id too: the parser reads it as its digits.
    return {"type": ["string", "integer"], "minimum": 0, "pattern": pattern, "description": description}


FIELD_KEYS: dict[str, dict[str, Any]] = {
    "id": _id("Unique within the section (or the group); lowercase letters, digits, '_' or '-'."),
    "label": _text("The question or heading the user sees.", required=True),
    "help": _text("A short hint under the label."),
    "example": _text("An example answer, shown on request."),
    "note": _text("A note for the editor, shown beside the field in the wizard and never printed (\"check the "
                  "number locally before adoption\")."),
    "required": _flag("true: the section is not complete without an answer."),
    "sensitive": _flag("true: left out of the public edition."),
    "honest": _flag("false: a required field that may not be answered \"not known yet\" or \"not applicable\" "
                    "(true by default; only for required fields)."),
}

SECTION = {
    "type": "object",
    "required": ["id", "title", "fields"],
    "additionalProperties": True,
    "properties": {
        "id": _id("Unique within the file; lowercase letters, digits, '_' or '-'."),
        "title": _text("The section's heading.", required=True),
        "summary": _text("One line for the task list."),
        "guidance": _text("Shown beside the section; plain text, a blank line starts a new paragraph."),
        "sensitive": _flag("true: the whole section is left out of the public edition."),
        "front_matter": _flag("true: printed after the cover and before the contents, without a number (a "
                              "foreword or a summary)."),
        "fields": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/field"},
                   "description": "The section's fields, in order."},
    },
}

CATALOGUE_ENTRY = {
    "type": "object",
    "required": ["id", "name"],
    "additionalProperties": True,  # extra columns (number, hours, operator …) are free keys
    "properties": {
        "id": _id("Unique within the catalogue; lowercase letters, digits, '_' or '-'."),
        "name": _text("The entry's name, without its number (the number has a key of its own).", required=True),
        "description": _text("Copied into the row when a user picks the entry; they can edit it. Printed: write "
                             "it for the plan's readers, not for the editor (see 'note')."),
        "note": _text("A note for the editor, shown beside a row picked from the entry and never printed."),
        "verify": _flag("true: the entry's number or opening hours are unconfirmed; a row picked from it shows "
                        "as 'to verify', and the plan cannot be adopted, until the editor ticks that they have "
                        "checked it."),
    },
}

TOP_KEYS: dict[str, dict[str, Any]] = {
    "id": _id("Unique across all files; lowercase letters, digits and '-'.", "^[a-z0-9][a-z0-9-]*$"),
    "revision": _whole_number("Raise it whenever sections or fields change.", nullable=False),
    "country": {"type": "string", "pattern": "^[A-Z]{2}$",
                "description": "ISO 3166 alpha-2 code such as SE; quote \"NO\", which YAML reads as false."},
    "language": {"type": "string",
                 "description": "The plan's language (sv, nb, da, fi, en …); document texts follow it."},
    "timezone": _text("The country's clock (an IANA zone such as Europe/Helsinki); needed only for a country the "
                      "time zone database does not know."),
    "title": _text("The plan type's title.", required=True),
    "description": _text("One or two sentences shown when a user picks a template."),
    "revision_interval_months": _whole_number("Default review-by period after adoption (default 12)."),
    "statutory_max_months": _whole_number("Optional: the longest period the law allows between revisions."),
    "catalogues": {"type": ["object", "null"], "description": "Lists that fields pick from, by catalogue id.",
                   "additionalProperties": {"type": "array", "minItems": 1,
                                            "items": {"$ref": "#/$defs/catalogue_entry"}}},
    "decision": {"type": "object", "additionalProperties": False,
                 "description": "Optional: which fields hold the parts of the council's decision, each written "
                                "as section.field; `body` names the deciding body where the law fixes it.",
                 "properties": {"body": _text("The body that adopts every plan of this type, if the law says."),
                                **{role: {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*$",
                                          "description": f"The field holding the decision's {role.replace('_', ' ')}."}
                                   for role in DECISION_ROLES}}},
    "sections": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/section"},
                 "description": "The plan's sections, in document order."},
}


def template_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a plan template for the field types registered now."""
    names = list(type_names())
    by_type = [{"if": {"required": ["type"], "properties": {"type": {"const": name}}},
                "then": {"properties": copy.deepcopy(field_type(name).schema_properties)}}
               for name in names if field_type(name).schema_properties]
    field = {
        "type": "object",
        "required": ["id", "type", "label"],
        "additionalProperties": True,  # another type's settings are ignored, as the parser does
        "properties": {**copy.deepcopy(FIELD_KEYS),
                       "type": {"enum": names, "description": "The field type (docs/plan-templates.md)."}},
        "allOf": by_type,
    }
    # allOf rather than keywords beside $ref, which draft-07 tools (some YAML editors) would ignore
    row_field = {"allOf": [{"$ref": "#/$defs/field"}], "description": "A sub-field of a group.",
                 "properties": {"type": {"enum": [n for n in names if field_type(n).allowed_in_rows]}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Planbuilder plan template",
        "description": "One plan type for one country (plan_templates/*.yaml); see docs/plan-templates.md.",
        "type": "object",
        "required": ["id", "revision", "country", "language", "title", "sections"],
        "additionalProperties": True,
        "properties": copy.deepcopy(TOP_KEYS),
        "$defs": {"section": copy.deepcopy(SECTION), "field": field, "row_field": row_field,
                  "catalogue_entry": copy.deepcopy(CATALOGUE_ENTRY)},
    }


def schema_text() -> str:
    """The schema as published: pretty-printed, keys sorted, with a trailing newline."""
    return json.dumps(template_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> None:
    Path(path).write_text(schema_text(), encoding="utf-8")


_validators: dict[tuple, Draft202012Validator] = {}


def _registry_state() -> tuple:
    return tuple((name, field_type(name)) for name in type_names())


def _validator() -> Draft202012Validator:
    """One validator per state of the registry (templates are checked at every start-up)."""
    key = _registry_state()
    if key not in _validators:
        _validators.clear()
        _validators[key] = Draft202012Validator(template_schema())
    return _validators[key]


# --- structure problems ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StructureProblem:
    """One place where a template does not fit the schema."""
    where: str  # the place the line names, as plan_templates.py names places ("sections[2] (samverkan) › …")
    parent: str  # the mapping (or list item) the problem is in
    key: str | None  # the key that is missing or holds a wrong value
    message: str
    missing: bool = False

    def line(self, source: str) -> str:
        return f"{source}: {self.where + ': ' if self.where else ''}{self.message}"


def _join(place: str, key: Any) -> str:
    return f"{place} › {key}" if place else str(key)


def _place(raw: Any, path: list) -> str:
    """A path into the YAML as plan_templates.py names it: "sections[2] (samverkan) › fields[1] (aktorer)",
    "catalogues › aktorer › entries[0] (polisen)"."""
    place, node, i = "", raw, 0
    while i < len(path):
        step = path[i]
        if isinstance(node, list):  # a catalogue's list, under its id
            node = node[step]
            place = place_of(place, "entries", step, node)
        elif isinstance(node.get(step), list) and i + 1 < len(path) and place != "catalogues":
            node = node[step][path[i + 1]]
            place = place_of(place, str(step), path[i + 1], node)
            i += 1
        else:
            node = node[step]
            place = _join(place, step)
        i += 1
    return place


_KINDS = {"object": "a mapping", "array": "a list", "boolean": "true or false", "integer": "a whole number",
          "number": "a number", "string": "text"}


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"


def _expected(types: str | list[str]) -> str:
    types = [types] if isinstance(types, str) else list(types)
    if "string" in types:  # text covers numbers, and null reads as empty text
        types = [t for t in types if t not in ("number", "integer")]
    return " or ".join(_KINDS[t] for t in types if t in _KINDS)


def _message(error: ValidationError) -> str:
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "type":
        return f"must be {_expected(value)}, not {_short(instance)}"
    if kind in ("minItems", "minLength") and value == 1:
        return "must not be empty"
    if kind == "minimum":
        return f"must be at least {value}, not {_short(instance)}"
    if kind == "pattern":
        return f"{_short(instance)} does not match '{value}'"
    if kind == "enum":
        return f"{_short(instance)} is not one of: {', '.join(map(str, value))}"
    return error.message if len(error.message) <= 200 else error.message[:199] + "…"


def _problem(error: ValidationError, raw: Any) -> StructureProblem:
    path = list(error.path)
    if error.validator == "required":
        place = _place(raw, path)
        key = next((k for k in error.validator_value if error.message == f"{k!r} is a required property"), None)
        return StructureProblem(place, place, key, error.message, missing=key is not None)
    if not path or not isinstance(path[-1], str):  # the file, or a list's item
        place = _place(raw, path)
        return StructureProblem(place, place, None, _message(error))
    parent, key = _place(raw, path[:-1]), path[-1]
    if key == "type" and error.validator == "enum":  # a field's type: worded as the parser words it
        if isinstance(error.instance, str) and error.instance in type_names():
            message = f"a group cannot hold a {error.instance} field"
        else:
            message = f"unknown field type '{error.instance}' (one of: {', '.join(type_names())})"
        return StructureProblem(parent, parent, key, message)
    return StructureProblem(_join(parent, key), parent, key, _message(error))


def _path_order(error: ValidationError) -> tuple:
    return tuple((0, step, "") if isinstance(step, int) else (1, 0, str(step)) for step in error.path)


# Results by registry state and file content: validating takes longer than parsing, and every app made (each
# test makes one) loads the same files again.
_checked: dict[tuple, tuple[StructureProblem, ...]] = {}
_CHECKED_AT_MOST = 64


def schema_problems(raw: Any) -> list[StructureProblem]:
    """Where a parsed YAML file does not fit the schema, in the order of their paths, each once."""
    key = (_registry_state(), hashlib.sha256(repr(raw).encode("utf-8", "backslashreplace")).digest())
    if key not in _checked:
        errors = sorted(_validator().iter_errors(raw), key=lambda e: (_path_order(e), e.message))
        found: list[StructureProblem] = []
        for error in errors:
            problem = _problem(error, raw)
            if problem not in found:  # a sub-field's type is checked as a field and as a row's field
                found.append(problem)
        if len(_checked) >= _CHECKED_AT_MOST:
            _checked.clear()
        _checked[key] = tuple(found)
    return list(_checked[key])


def structure_problems(raw: Any, source: str) -> list[str]:
    """One line per place where a parsed YAML file does not fit the schema:
    "file.yaml: sections[2] (samverkan) › fields[1]: 'label' is a required property"."""
    return [problem.line(source) for problem in schema_problems(raw)]


# --- the schema's problems together with the parser's ---------------------------------------------------------

def _mentions(message: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", message) is not None


class TemplateProblems(Problems):
    """The parser's problems, each also kept with its place, so that they can be reported together with the
    schema's without saying one thing twice."""

    def __init__(self, source: str):
        super().__init__(source)
        self.placed: list[tuple[str, str]] = []

    def add(self, place: str, message: str) -> None:
        super().add(place, message)
        self.placed.append((place, message))

    def _about(self, problem: StructureProblem) -> list[int]:
        """The parser's problems about the same thing: at the very place of the key, or at its mapping and
        naming the key."""
        exact = problem.parent if problem.key is None else _join(problem.parent, problem.key)
        return [i for i, (place, message) in enumerate(self.placed)
                if place == exact or (place == problem.parent and problem.key is not None
                                      and _mentions(message, problem.key))]

    def together_with(self, structure: list[StructureProblem]) -> list[str]:
        """The schema's problems and the parser's, by place in the file. Where both say the same, the parser's
        wording stays ("'label' is missing", "option value 'Hög' must be lowercase letters …"), unless the
        schema's says a key is missing where the parser only complains about the empty value it read instead
        ("'value' is a required property" rather than "option value '' must be …")."""
        dropped: set[int] = set()
        found: list[tuple[str, str]] = []
        for problem in structure:
            about = self._about(problem)
            if about and problem.missing and not any(f"'{problem.key}'" in self.placed[i][1] for i in about):
                dropped.update(about)
            elif about:
                continue
            found.append((problem.where, problem.line(self.source)))
        said = {line for _, line in found}
        found += [(place, line) for i, ((place, _), line) in enumerate(zip(self.placed, self.items))
                  if i not in dropped and line not in said]
        return [line for _, line in sorted(found, key=lambda item: _in_order(item[0]))]


def _in_order(place: str) -> list:
    """A place's sort key: sections[2] before sections[10]."""
    return [int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", place))]
