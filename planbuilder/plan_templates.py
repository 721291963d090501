"""Load and validate plan templates (plan_templates/*.yaml) into typed, read-only objects.

A template is data: adding a country or plan type is adding a YAML file. Validation collects every problem with
its place ("file: sections[2] (samverkan) › fields[1] (aktorer): …") so that one run of `templates check`
names them all.
"""
from __future__ import annotations

import re
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel.core import Locale, UnknownLocaleError

from .clock import zone_of_country
from .fields import field_type, type_names
from .fields.declaration import Declaration, Problems, Reader, place_of
from .fields.honest import HonestAware, may_be_honest
from .template_model import DECISION_ROLES, CatalogueEntry, DecisionFields, Field, Option, PlanTemplate, Section
from .template_schema import TemplateProblems, schema_problems

__all__ = ["CatalogueEntry", "Field", "Option", "PlanTemplate", "Section", "TemplateError", "load_template_file",
           "load_templates", "parse_template"]

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TEMPLATE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class TemplateError(Exception):
    """One or more templates are broken; .problems holds one human-readable line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _field(raw: Any, place: str, problems: Problems, catalogues: dict, in_group: bool = False) -> Field | None:
    if not isinstance(raw, dict):
        problems.add(place, "a field must be a mapping")
        return None
    field_id = str(raw.get("id", ""))
    if not ID_PATTERN.match(field_id) or field_id.startswith("_"):
        problems.add(place, f"field id '{field_id}' must be lowercase letters, digits, '_' or '-'")
    kind = field_type(str(raw.get("type")))
    if kind is None:
        problems.add(place, f"unknown field type '{raw.get('type')}' (one of: {', '.join(type_names())})")
        return None
    if in_group and not kind.allowed_in_rows:
        problems.add(place, f"a group cannot hold a {kind.name} field")
        return None
    declaration = Declaration(raw, place, problems, catalogues=catalogues, in_group=in_group,
                              read_fields=lambda sub, where: _fields(sub, where, problems, catalogues, in_group=True))
    settings = kind.declare(declaration)
    common = {name: settings.pop(name) for name in list(settings) if name in _FIELD_ATTRIBUTES}
    required = declaration.flag("required")
    honest = not in_group and may_be_honest(kind, required, _honest_allowed(raw, required, declaration))
    return Field(
        id=field_id,
        type=kind.name,
        kind=HonestAware(kind) if honest else kind,
        honest=honest,
        label=declaration.text("label", required=True),
        help=declaration.text("help"),
        example=declaration.text("example"),
        note=declaration.text("note"),
        required=required,
        sensitive=declaration.flag("sensitive"),
        settings=settings,
        **common,
    )


_FIELD_ATTRIBUTES = {f.name for f in dataclass_fields(Field)}


def _honest_allowed(raw: dict, required: bool, declaration: Declaration) -> bool:
    """`honest: false` keeps a required field from being answered "not known yet" or "not applicable"."""
    if "honest" not in raw:
        return True
    if not isinstance(raw["honest"], bool):
        declaration.problem("'honest' must be true or false")
        return True
    if not required:
        declaration.problem("'honest' is for required fields: an optional field can simply be left empty")
    return raw["honest"]


def _fields(raw: Any, place: str, problems: Problems, catalogues: dict, in_group: bool = False) -> tuple:
    if not isinstance(raw, list) or not raw:
        problems.add(place, "'fields' must be a non-empty list")
        return ()
    result, seen = [], set()
    for i, raw_field in enumerate(raw):
        field_place = place_of(place, "fields", i, raw_field)
        parsed = _field(raw_field, field_place, problems, catalogues, in_group)
        if parsed is None:
            continue
        if parsed.id in seen:
            problems.add(field_place, f"duplicate field id '{parsed.id}'")
        seen.add(parsed.id)
        result.append(parsed)
    return tuple(result)


# An entry's own keys; any other key (number, hours, operator …) fills the sub-field of that id in a picked row.
_ENTRY_KEYS = ("id", "name", "description", "note", "verify")


def _catalogues(raw: Any, problems: Problems) -> dict[str, tuple[CatalogueEntry, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("catalogues", "must be a mapping of catalogue id to a list of entries")
        return {}
    result = {}
    for catalogue_id, entries in raw.items():
        place = f"catalogues › {catalogue_id}"
        if not isinstance(entries, list) or not entries:
            problems.add(place, "must be a non-empty list of entries")
            result[catalogue_id] = ()
            continue
        parsed, seen = [], set()
        for i, entry in enumerate(entries):
            reader = Reader(entry if isinstance(entry, dict) else {}, place_of(place, "entries", i, entry), problems)
            if not isinstance(entry, dict):
                reader.problem("an entry must be a mapping with 'id' and 'name'")
                continue
            extra = {str(k): str(v) for k, v in entry.items() if k not in _ENTRY_KEYS}
            parsed.append(CatalogueEntry(
                id=reader.unique_id(str(entry.get("id", "")), "entry id", seen),
                name=reader.text("name", required=True),
                description=reader.text("description"),
                extra=extra,
                note=reader.text("note"),
                verify=reader.flag("verify"),
            ))
        result[catalogue_id] = tuple(parsed)
    return result


def _sections(raw: Any, problems: Problems, catalogues: dict) -> tuple[Section, ...]:
    if not isinstance(raw, list) or not raw:
        problems.add("", "'sections' must be a non-empty list")
        return ()
    result, seen = [], set()
    for i, raw_section in enumerate(raw):
        place = place_of("", "sections", i, raw_section)
        if not isinstance(raw_section, dict):
            problems.add(place, "a section must be a mapping")
            continue
        reader = Reader(raw_section, place, problems)
        section_id = str(raw_section.get("id", ""))
        if not ID_PATTERN.match(section_id):
            reader.problem(f"section id '{section_id}' must be lowercase letters, digits, '_' or '-'")
        if section_id in seen:
            reader.problem(f"duplicate section id '{section_id}'")
        seen.add(section_id)
        result.append(Section(
            id=section_id,
            title=reader.text("title", required=True),
            summary=reader.text("summary"),
            guidance=reader.text("guidance"),
            sensitive=reader.flag("sensitive"),
            front_matter=reader.flag("front_matter"),
            fields=_fields(raw_section.get("fields"), place, problems, catalogues),
        ))
    return tuple(result)


def _decision_fields(raw: Any, template: PlanTemplate, problems: Problems) -> DecisionFields:
    """`decision`: which field holds which part of the council's decision, each named "section.field"."""
    if raw is None:
        return DecisionFields()
    if not isinstance(raw, dict):
        problems.add("decision", "'decision' must be a mapping of roles to fields")
        return DecisionFields()
    reader = Reader(raw, "decision", problems)
    roles = {}
    for role, target in raw.items():
        if role == "body":
            continue
        if role not in DECISION_ROLES:
            reader.problem(f"'{role}' is not a part of the decision ({', '.join(DECISION_ROLES)})")
            continue
        section_id, _, field_id = str(target).partition(".")
        section = template.section(section_id)
        found = section.field(field_id) if section else None
        if found is None:
            reader.problem(f"{role}: '{target}' is not a field (write it as section.field)")
        elif found.type not in DECISION_ROLES[role]:
            allowed = " or ".join(DECISION_ROLES[role])
            reader.problem(f"{role}: '{target}' is a {found.type} field; it must be {allowed}")
        else:
            roles[role] = (section_id, field_id)
    return DecisionFields(roles, body=reader.text("body"))


def _language(raw: dict, problems: Problems) -> str:
    """Any language Babel knows (the document's fixed texts fall back to English where no catalogue exists)."""
    language = raw.get("language")
    try:
        Locale.parse(str(language))
    except (ValueError, TypeError, UnknownLocaleError):
        problems.add("language", f"'{language}' is not a language code such as sv, nb, da, fi or en")
    return str(language)


def _country(raw: dict, problems: Problems) -> tuple[str, str]:
    """A two-letter country code, and its clock: the template's `timezone`, else the time zone database's zone
    for the country (a country that database does not know must name its time zone)."""
    country = str(raw.get("country", ""))
    timezone = Reader(raw, "timezone", problems).text("timezone")
    if not re.match(r"^[A-Z]{2}$", country):
        problems.add("country", f"'{country}' must be a two-letter country code such as SE")
    elif timezone:
        try:
            ZoneInfo(timezone)
        except (ValueError, ZoneInfoNotFoundError):
            problems.add("timezone", f"'{timezone}' is not a time zone such as Europe/Helsinki")
    elif zone_of_country(country) is None:
        problems.add("country", f"the time zone database does not know '{country}': give the template a "
                                f"'timezone' such as Europe/Helsinki")
    return country, timezone


def parse_template(raw: Any, source: str) -> PlanTemplate:
    """Build a PlanTemplate from parsed YAML, or raise TemplateError listing every problem: where the file does
    not fit the schema (docs/plan-template.schema.json), then what the schema cannot express."""
    if not isinstance(raw, dict):
        raise TemplateError([f"{source}: the file must hold a mapping (id, revision, sections …)"])
    structure = schema_problems(raw)
    problems = TemplateProblems(source)
    top = Reader(raw, "", problems)
    template_id = str(raw.get("id", ""))
    if not TEMPLATE_ID_PATTERN.match(template_id):
        problems.add("id", f"template id '{template_id}' must be lowercase letters, digits and '-'")
    revision = Reader(raw, "revision", problems).whole_number("revision", None)
    if revision is None:
        problems.add("revision", "'revision' is missing")
    catalogues = _catalogues(raw.get("catalogues"), problems)
    country, timezone = _country(raw, problems)
    template = PlanTemplate(
        id=template_id,
        revision=revision or 0,
        country=country,
        timezone=timezone,
        language=_language(raw, problems),
        title=Reader(raw, "title", problems).text("title", required=True),
        description=top.text("description"),
        revision_interval_months=Reader(raw, "revision_interval_months", problems).whole_number(
            "revision_interval_months", 12) or 12,
        statutory_max_months=Reader(raw, "statutory_max_months", problems).whole_number("statutory_max_months", None),
        catalogues=catalogues,
        sections=_sections(raw.get("sections"), problems, catalogues),
        source=source,
    )
    template = replace(template, decision=_decision_fields(raw.get("decision"), template, problems))
    if problems.items or structure:
        raise TemplateError(problems.together_with(structure))
    return template


# libyaml's parser when PyYAML has it (the wheels do): an order of magnitude faster, equally safe.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_template_file(path: Path) -> PlanTemplate:
    source = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", exc)
        raise TemplateError([f"{source}: {where + ': ' if where else ''}not valid YAML ({problem})"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError([f"{source}: cannot be read ({exc})"]) from exc
    return parse_template(raw, source)


def load_templates(directory: str | Path) -> dict[str, PlanTemplate]:
    """Every template in the folder by id; raises TemplateError naming every broken file and problem."""
    folder = Path(directory)
    paths = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not paths:
        raise TemplateError([f"{folder}: no plan templates (*.yaml) found"])
    templates: dict[str, PlanTemplate] = {}
    problems: list[str] = []
    for path in paths:
        try:
            template = load_template_file(path)
        except TemplateError as exc:
            problems.extend(exc.problems)
            continue
        if template.id in templates:
            problems.append(f"{path}: id: template id '{template.id}' is already used by "
                            f"{templates[template.id].source}")
            continue
        templates[template.id] = template
    if problems:
        raise TemplateError(problems)
    return templates
