"""Load and validate plan templates (plan_templates/*.yaml) into typed, read-only objects.

A template is data: adding a country or plan type is adding a YAML file. Validation collects every problem with
its place ("file: sections[2] (samverkan) › fields[1] (aktorer): …") so that one run of `templates check`
names them all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FIELD_TYPES = ("short_text", "long_text", "single_choice", "multiple_choice", "checklist", "date", "number",
               "yes_no", "group", "catalogue")
CHOICE_TYPES = ("single_choice", "multiple_choice", "checklist")
TEXT_TYPES = ("short_text", "long_text")
DEFAULT_MAX_LENGTH = {"short_text": 300, "long_text": 10000}
DEFAULT_MAX_ROWS = 50
LANGUAGES = ("sv", "nb", "da", "en")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TEMPLATE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class TemplateError(Exception):
    """One or more templates are broken; .problems holds one human-readable line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class CatalogueEntry:
    id: str
    name: str
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        """The values a picked entry puts into a row: name, description and every extra key."""
        return {"name": self.name, "description": self.description, **self.extra}


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str
    help: str = ""
    example: str = ""
    required: bool = False
    sensitive: bool = False
    max_length: int | None = None
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    fields: tuple[Field, ...] = ()  # sub-fields of a group
    max_rows: int = DEFAULT_MAX_ROWS
    min_rows: int = 0
    catalogue: str | None = None
    row_label: str = ""

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    def option_label(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)

    def subfield(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    fields: tuple[Field, ...]
    summary: str = ""
    guidance: str = ""
    sensitive: bool = False
    optional: bool = False

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class PlanTemplate:
    id: str
    revision: int
    country: str
    language: str
    title: str
    sections: tuple[Section, ...]
    description: str = ""
    revision_interval_months: int = 12
    statutory_max_months: int | None = None
    catalogues: dict[str, tuple[CatalogueEntry, ...]] = field(default_factory=dict)
    source: str = ""

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def section_index(self, section_id: str) -> int:
        return next(i for i, s in enumerate(self.sections) if s.id == section_id)

    def catalogue_entry(self, catalogue_id: str, entry_id: str) -> CatalogueEntry | None:
        return next((e for e in self.catalogues.get(catalogue_id, ()) if e.id == entry_id), None)


class _Problems:
    """Collects problems, each prefixed with the file and the place inside it."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[str] = []

    def add(self, place: str, message: str) -> None:
        self.items.append(f"{self.source}: {place + ': ' if place else ''}{message}")


def _place(parent: str, key: str, index: int, raw: Any) -> str:
    name = raw.get("id") if isinstance(raw, dict) else None
    here = f"{key}[{index}]" + (f" ({name})" if isinstance(name, str) else "")
    return f"{parent} › {here}" if parent else here


def _text(raw: dict, key: str, place: str, problems: _Problems, required: bool = False) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        problems.add(place, f"'{key}' must be text")
        return ""
    if required and not str(value).strip():
        problems.add(place, f"'{key}' is missing")
    return str(value).strip()


def _flag(raw: dict, key: str, place: str, problems: _Problems) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        problems.add(place, f"'{key}' must be true or false")
        return False
    return value


def _whole_number(raw: dict, key: str, place: str, problems: _Problems, default: int | None) -> int | None:
    value = raw.get(key, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.add(place, f"'{key}' must be a whole number")
        return default
    return value


def _unique_id(value: str, what: str, place: str, seen: set[str], problems: _Problems) -> str:
    """An option value or catalogue entry id: a well-formed id, not used twice in its list."""
    if not ID_PATTERN.match(value):
        problems.add(place, f"{what} '{value}' must be lowercase letters, digits, '_' or '-'")
    if value in seen:
        problems.add(place, f"duplicate {what} '{value}'")
    seen.add(value)
    return value


def _options(raw: dict, place: str, problems: _Problems) -> tuple[Option, ...]:
    options = raw.get("options")
    if not isinstance(options, list) or not options:
        problems.add(place, "a choice field needs a non-empty 'options' list")
        return ()
    result, seen = [], set()
    for i, opt in enumerate(options):
        opt_place = _place(place, "options", i, opt)
        if not isinstance(opt, dict):
            problems.add(opt_place, "an option must have 'value' and 'label'")
            continue
        value = _unique_id(str(opt.get("value", "")), "option value", opt_place, seen, problems)
        result.append(Option(value=value, label=_text(opt, "label", opt_place, problems, required=True)))
    return tuple(result)


def _field(raw: Any, place: str, problems: _Problems, catalogues: dict, in_group: bool = False) -> Field | None:
    if not isinstance(raw, dict):
        problems.add(place, "a field must be a mapping")
        return None
    field_id = str(raw.get("id", ""))
    if not ID_PATTERN.match(field_id) or field_id.startswith("_"):
        problems.add(place, f"field id '{field_id}' must be lowercase letters, digits, '_' or '-'")
    field_type = raw.get("type")
    if field_type not in FIELD_TYPES:
        problems.add(place, f"unknown field type '{field_type}' (one of: {', '.join(FIELD_TYPES)})")
        return None
    if in_group and field_type == "group":
        problems.add(place, "a group cannot hold another group")
        return None
    catalogue = raw.get("catalogue")
    if field_type == "catalogue" and not catalogue:
        problems.add(place, "a catalogue field needs 'catalogue'")
    if catalogue is not None and catalogue not in catalogues:
        problems.add(place, f"catalogue '{catalogue}' does not exist")
    sub_fields: tuple[Field, ...] = ()
    if field_type == "group":
        sub_fields = _fields(raw.get("fields"), place, problems, catalogues, in_group=True)
    max_rows = _whole_number(raw, "max_rows", place, problems, DEFAULT_MAX_ROWS) or DEFAULT_MAX_ROWS
    min_rows = _whole_number(raw, "min_rows", place, problems, 0) or 0
    if min_rows > max_rows:
        problems.add(place, "'min_rows' is larger than 'max_rows'")
    return Field(
        id=field_id,
        type=field_type,
        label=_text(raw, "label", place, problems, required=True),
        help=_text(raw, "help", place, problems),
        example=_text(raw, "example", place, problems),
        required=_flag(raw, "required", place, problems),
        sensitive=_flag(raw, "sensitive", place, problems),
        max_length=_whole_number(raw, "max_length", place, problems, DEFAULT_MAX_LENGTH.get(field_type)),
        options=_options(raw, place, problems) if field_type in CHOICE_TYPES else (),
        min=raw.get("min"),
        max=raw.get("max"),
        fields=sub_fields,
        max_rows=max_rows,
        min_rows=min_rows,
        catalogue=catalogue,
        row_label=_text(raw, "row_label", place, problems),
    )


def _fields(raw: Any, place: str, problems: _Problems, catalogues: dict, in_group: bool = False) -> tuple:
    if not isinstance(raw, list) or not raw:
        problems.add(place, "'fields' must be a non-empty list")
        return ()
    result, seen = [], set()
    for i, raw_field in enumerate(raw):
        field_place = _place(place, "fields", i, raw_field)
        parsed = _field(raw_field, field_place, problems, catalogues, in_group)
        if parsed is None:
            continue
        if parsed.id in seen:
            problems.add(field_place, f"duplicate field id '{parsed.id}'")
        seen.add(parsed.id)
        result.append(parsed)
    return tuple(result)


def _catalogues(raw: Any, problems: _Problems) -> dict[str, tuple[CatalogueEntry, ...]]:
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
            entry_place = _place(place, "entries", i, entry)
            if not isinstance(entry, dict):
                problems.add(entry_place, "an entry must be a mapping with 'id' and 'name'")
                continue
            entry_id = _unique_id(str(entry.get("id", "")), "entry id", entry_place, seen, problems)
            extra = {str(k): str(v) for k, v in entry.items() if k not in ("id", "name", "description")}
            parsed.append(CatalogueEntry(
                id=entry_id,
                name=_text(entry, "name", entry_place, problems, required=True),
                description=_text(entry, "description", entry_place, problems),
                extra=extra,
            ))
        result[catalogue_id] = tuple(parsed)
    return result


def _sections(raw: Any, problems: _Problems, catalogues: dict) -> tuple[Section, ...]:
    if not isinstance(raw, list) or not raw:
        problems.add("", "'sections' must be a non-empty list")
        return ()
    result, seen = [], set()
    for i, raw_section in enumerate(raw):
        place = _place("", "sections", i, raw_section)
        if not isinstance(raw_section, dict):
            problems.add(place, "a section must be a mapping")
            continue
        section_id = str(raw_section.get("id", ""))
        if not ID_PATTERN.match(section_id):
            problems.add(place, f"section id '{section_id}' must be lowercase letters, digits, '_' or '-'")
        if section_id in seen:
            problems.add(place, f"duplicate section id '{section_id}'")
        seen.add(section_id)
        result.append(Section(
            id=section_id,
            title=_text(raw_section, "title", place, problems, required=True),
            summary=_text(raw_section, "summary", place, problems),
            guidance=_text(raw_section, "guidance", place, problems),
            sensitive=_flag(raw_section, "sensitive", place, problems),
            optional=_flag(raw_section, "optional", place, problems),
            fields=_fields(raw_section.get("fields"), place, problems, catalogues),
        ))
    return tuple(result)


def parse_template(raw: Any, source: str) -> PlanTemplate:
    """Build a PlanTemplate from parsed YAML, or raise TemplateError listing every problem."""
    problems = _Problems(source)
    if not isinstance(raw, dict):
        raise TemplateError([f"{source}: the file must hold a mapping (id, revision, sections …)"])
    template_id = str(raw.get("id", ""))
    if not TEMPLATE_ID_PATTERN.match(template_id):
        problems.add("id", f"template id '{template_id}' must be lowercase letters, digits and '-'")
    language = raw.get("language")
    if language not in LANGUAGES:
        problems.add("language", f"'{language}' is not a supported language ({', '.join(LANGUAGES)})")
    country = str(raw.get("country", ""))
    if not re.match(r"^[A-Z]{2}$", country):
        problems.add("country", f"'{country}' must be a two-letter country code such as SE")
    revision = _whole_number(raw, "revision", "revision", problems, None)
    if revision is None:
        problems.add("revision", "'revision' is missing")
    catalogues = _catalogues(raw.get("catalogues"), problems)
    template = PlanTemplate(
        id=template_id,
        revision=revision or 0,
        country=country,
        language=str(language),
        title=_text(raw, "title", "title", problems, required=True),
        description=_text(raw, "description", "description", problems),
        revision_interval_months=_whole_number(raw, "revision_interval_months", "revision_interval_months",
                                               problems, 12) or 12,
        statutory_max_months=_whole_number(raw, "statutory_max_months", "statutory_max_months", problems, None),
        catalogues=catalogues,
        sections=_sections(raw.get("sections"), problems, catalogues),
        source=source,
    )
    if problems.items:
        raise TemplateError(problems.items)
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
        raise TemplateError([f"{source}: {where + ': ' if where else ''}not valid YAML ({getattr(exc, 'problem', exc)})"])
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError([f"{source}: cannot be read ({exc})"])
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
