"""Numbers still to verify: rows picked from a catalogue entry the template marks `verify: true` (a support
line whose number or opening hours are unconfirmed, or one whose local number the editor must fill in), which
the editor has not yet ticked as checked. Check your answers lists them, and adoption is refused while any is
left (the adoption code calls unverified_entries)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...template_model import Field, PlanTemplate, Section


@dataclass(frozen=True)
class UnverifiedRow:
    section: Section
    field: Field
    row_id: str
    name: str

    @property
    def line(self) -> str:
        """"Stöd till anhöriga › Stödlinjer och kontaktvägar › Stödtelefon för anhöriga"."""
        return f"{self.section.title} › {self.field.label} › {self.name}"


def unverified_rows(template: PlanTemplate, content: Any) -> list[UnverifiedRow]:
    """Every row still to verify, in the template's order of sections, fields and rows."""
    content = content if isinstance(content, dict) else {}
    found = []
    for section in template.sections:
        values = content.get(section.id)
        if not isinstance(values, dict):
            continue
        for field in section.fields:
            if not (field.is_group and field.catalogue):
                continue
            rows = field.kind.read(field, values.get(field.id), template)  # entry ids of an earlier release too
            for row in rows if isinstance(rows, list) else []:
                entry = template.catalogue_entry(field.catalogue, str(row.get("_ref"))) \
                    if isinstance(row, dict) and row.get("_ref") else None
                if entry is not None and entry.verify and row.get("_verified") is not True:
                    name = str(row.get("name") or "").strip() or entry.name
                    found.append(UnverifiedRow(section, field, str(row.get("_id")), name))
    return found


def unverified_entries(template: PlanTemplate, content: Any) -> list[str]:
    """One readable line per row still to verify ("section › field › row name"); empty when none is left."""
    return [row.line for row in unverified_rows(template, content)]
