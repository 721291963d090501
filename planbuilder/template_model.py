"""The plan template as typed, read-only objects: what plan_templates.py builds from a YAML file."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fields.base import FieldType

DEFAULT_MAX_ROWS = 50


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
    # For the editor only (the wizard shows it beside the row; no document prints it).
    note: str = ""
    # Its number or opening hours are unconfirmed: a row picked from it is "to verify" until the editor ticks it.
    verify: bool = False

    def values(self) -> dict[str, str]:
        """The values a picked entry puts into a row: name, description and every extra key (number, hours …)."""
        return {"name": self.name, "description": self.description, **self.extra}


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str
    # The behaviour of the type named by `type` (planbuilder/fields/): ask it, do not test `type`.
    kind: FieldType = field(compare=False, repr=False)
    help: str = ""
    example: str = ""
    note: str = ""  # for the editor only: shown in the wizard, never printed
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
    # May be answered "not known yet" or "not applicable" with a reason (a required field, unless the template
    # says `honest: false`); its `kind` then also reads such an answer (fields/honest.py).
    honest: bool = False
    # Settings of a field type that the common attributes above do not cover.
    settings: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_group(self) -> bool:
        """Holds rows of sub-fields (a repeating group)."""
        return bool(self.fields)

    def option_label(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)

    def subfield(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)


# The parts of the council's decision a template's fields can hold (its `decision` key), and the field types that
# can hold each part.
DECISION_ROLES: dict[str, tuple[str, ...]] = {
    "proposed_body": ("single_choice", "short_text"),
    "decision_date": ("date",),
    "paragraph": ("short_text",),
    "case_number": ("short_text",),
    "review_by": ("date",),
    "validity": ("short_text", "long_text"),
    "valid_from": ("date",),
    "valid_until": ("date",),
    "reviser": ("short_text",),
}
# The parts the adoption records: an adopted plan prints the decision there, never what its draft proposed.
RECORDED_ROLES = ("proposed_body", "decision_date", "paragraph", "case_number", "review_by")


@dataclass(frozen=True)
class DecisionFields:
    """Which fields hold which part of the decision: role -> (section id, field id)."""
    roles: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # The body the law names (Denmark: the municipal council) where no field proposes one.
    body: str = ""

    def role_of(self, section_id: str, field_id: str) -> str | None:
        return next((role for role, place in self.roles.items() if place == (section_id, field_id)), None)

    def raw_value(self, content: Mapping[str, Any], role: str) -> Any:
        """What the plan's content holds for `role` (None when the template names no field for it)."""
        place = self.roles.get(role)
        values = content.get(place[0]) if place else None
        return values.get(place[1]) if place and isinstance(values, Mapping) else None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    fields: tuple[Field, ...]
    summary: str = ""
    guidance: str = ""
    sensitive: bool = False
    # Printed after the cover, before the contents and unnumbered (a foreword or a summary).
    front_matter: bool = False

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
    # The country's clock, for a country the time zone database does not know (else derived from it).
    timezone: str = ""
    catalogues: dict[str, tuple[CatalogueEntry, ...]] = field(default_factory=dict)
    decision: DecisionFields = field(default_factory=DecisionFields)
    source: str = ""

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def decision_field(self, role: str) -> Field | None:
        place = self.decision.roles.get(role)
        section = self.section(place[0]) if place else None
        return section.field(place[1]) if section and place else None

    @property
    def numbered_sections(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if not s.front_matter)

    def section_number(self, section_id: str) -> int | None:
        """The section's number in the document (and so in the wizard); None for front matter, which has none."""
        numbered = [s.id for s in self.numbered_sections]
        return numbered.index(section_id) + 1 if section_id in numbered else None

    def section_index(self, section_id: str) -> int:
        return next(i for i, s in enumerate(self.sections) if s.id == section_id)

    def catalogue_entry(self, catalogue_id: str, entry_id: str) -> CatalogueEntry | None:
        return next((e for e in self.catalogues.get(catalogue_id, ()) if e.id == entry_id), None)
