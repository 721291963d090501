"""The plan document as plain data: what is printed, in which order, already in the plan's language.

One model feeds every output (HTML preview, PDF, DOCX), so the editions and the rules for empty and sensitive
content are decided once, here. Building it calls gettext and the Babel formatters, so run it inside
`flask_babel.force_locale(template.language)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ...fields import is_empty
from ...fields.blocks import Block, Facts, Value, clean_text
from ...fields.group import visible
from ...models import FROZEN_STATUSES
from ...template_model import Field, PlanTemplate, Section
from ...templating import status_label

EDITIONS = ("internal", "public")


@dataclass(frozen=True)
class Cover:
    """Everything printed on the cover page; it is also part of the cache key."""
    municipality: str
    title: str
    version_label: str
    status: str
    date: date | None = None
    decision_body: str | None = None
    decision_date: date | None = None
    decision_reference: str | None = None




@dataclass(frozen=True)
class DocSection:
    id: str
    number: int
    title: str
    blocks: tuple[Block, ...]

    @property
    def anchor(self) -> str:
        return f"section-{self.id}"


@dataclass(frozen=True)
class PlanDocument:
    language: str
    edition: str
    cover: Cover
    status_label: str
    sections: tuple[DocSection, ...]
    country: str = ""

    @property
    def is_draft(self) -> bool:
        """Every version that is not the municipality's decision carries a DRAFT marking."""
        return self.cover.status not in FROZEN_STATUSES

    @property
    def is_public(self) -> bool:
        return self.edition == "public"


def _block(template: PlanTemplate, field: Field, value: Any, edition: str) -> Block | None:
    """The printed form of one field, or None when there is nothing to print (an empty field is left out)."""
    if is_empty(value) or (isinstance(value, str) and not clean_text(value)):
        return None
    return field.kind.document_block(field, value, template, edition)


def _section_blocks(template: PlanTemplate, section: Section, content: dict, edition: str) -> tuple[Block, ...]:
    values = content.get(section.id) or {}
    if not isinstance(values, dict):
        return ()
    blocks = (_block(template, f, values.get(f.id), edition) for f in visible(section.fields, edition))
    return _with_facts([b for b in blocks if b is not None])


def _with_facts(blocks: list) -> tuple[Block, ...]:
    """Runs of one-line values become one Facts block, so they read as a list rather than many headings."""
    result: list = []
    for block in blocks:
        if isinstance(block, Value):
            if result and isinstance(result[-1], Facts):
                result[-1] = Facts(result[-1].values + (block,))
            else:
                result.append(Facts((block,)))
        else:
            result.append(block)
    return tuple(result)


def _printed_sections(template: PlanTemplate, edition: str) -> list[Section]:
    """Template order; the public edition leaves out sensitive sections and sections with only sensitive fields."""
    if edition == "internal":
        return list(template.sections)
    return [s for s in template.sections if not s.sensitive and visible(s.fields, edition)]


def build_document(template: PlanTemplate, content: dict, cover: Cover, edition: str) -> PlanDocument:
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    content = content if isinstance(content, dict) else {}
    sections = tuple(
        DocSection(s.id, number, s.title, _section_blocks(template, s, content, edition))
        for number, s in enumerate(_printed_sections(template, edition), start=1)
    )
    clean_cover = Cover(
        municipality=clean_text(cover.municipality), title=clean_text(cover.title),
        version_label=clean_text(cover.version_label), status=cover.status, date=cover.date,
        decision_body=cover.decision_body and clean_text(cover.decision_body),
        decision_date=cover.decision_date,
        decision_reference=cover.decision_reference and clean_text(cover.decision_reference),
    )
    return PlanDocument(template.language, edition, clean_cover, status_label(cover.status), sections,
                        country=template.country)
