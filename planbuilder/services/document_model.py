"""The plan document as plain data: what is printed, in which order, already in the plan's language.

One model feeds every output (HTML preview, PDF, DOCX), so the editions and the rules for empty and sensitive
content are decided once, here. Building it calls gettext and the Babel formatters, so run it inside
`flask_babel.force_locale(template.language)`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date, format_decimal, gettext as _

from ..plan_templates import CHOICE_TYPES, Field, PlanTemplate, Section
from .content import is_empty

EDITIONS = ("internal", "public")
FROZEN_STATUSES = ("adopted", "superseded")
# Characters XML 1.0 cannot hold (python-docx refuses them, PDF text would show boxes): dropped from user text.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


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
class Text:
    """A long text as paragraphs; a paragraph may hold line breaks ("\n") the writer meant."""
    label: str
    paragraphs: tuple[str, ...]
    kind: str = "text"


@dataclass(frozen=True)
class Value:
    """A one-line value: short text, date, number, yes/no or one choice."""
    label: str
    value: str
    kind: str = "value"


@dataclass(frozen=True)
class Facts:
    """Consecutive one-line values, printed together as a compact list of label and value."""
    values: tuple[Value, ...]
    kind: str = "facts"


@dataclass(frozen=True)
class Item:
    text: str
    detail: str = ""  # e.g. a support line's phone number
    note: str = ""    # e.g. a catalogue entry's description


@dataclass(frozen=True)
class Items:
    """Choices or catalogue entries; `ticked` for a checklist, which the document shows as ticked items."""
    label: str
    items: tuple[Item, ...]
    ticked: bool = False
    kind: str = "list"


@dataclass(frozen=True)
class Table:
    """A repeating group: one column per (printed) sub-field, each cell a tuple of paragraphs."""
    label: str
    columns: tuple[str, ...]
    widths: tuple[int, ...]  # percent of the table, so long texts get the room and a date column does not
    rows: tuple[tuple[tuple[str, ...], ...], ...]
    kind: str = "table"


Block = Text | Facts | Items | Table


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

    @property
    def is_draft(self) -> bool:
        """Every version that is not the municipality's decision carries a DRAFT marking."""
        return self.cover.status not in FROZEN_STATUSES

    @property
    def is_public(self) -> bool:
        return self.edition == "public"


def status_label(status: str) -> str:
    labels = {"draft": _("Draft"), "in_review": _("In review"), "adopted": _("Adopted"),
              "superseded": _("Superseded")}
    return labels.get(status, status)


def clean_text(value: Any) -> str:
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", text).strip()


def paragraphs(value: Any) -> tuple[str, ...]:
    """Blank lines separate paragraphs; a single newline stays, as a line break the writer meant."""
    text = clean_text(value)
    if not text:
        return ()
    return tuple("\n".join(line.strip() for line in chunk.split("\n")) for chunk in _PARAGRAPH_BREAK.split(text))


def format_iso_date(value: Any, style: str) -> str:
    try:
        return format_date(date.fromisoformat(str(value)), style)
    except ValueError:
        return clean_text(value)


def _scalar(field: Field, value: Any, date_style: str) -> str:
    """A one-line value as a reader sees it: option labels, not stored option values."""
    if field.type == "single_choice":
        return field.option_label(str(value))
    if field.type == "date":
        return format_iso_date(value, date_style)
    if field.type == "yes_no":
        return _("Yes") if value else _("No")
    if field.type == "number":
        return format_decimal(value)
    if isinstance(value, list):  # a choice list inside a table cell
        return ", ".join(field.option_label(str(v)) for v in value)
    return clean_text(value)


def _cell(field: Field, value: Any) -> tuple[str, ...]:
    if is_empty(value):
        return ()
    if field.type == "long_text":
        return paragraphs(value)
    return (_scalar(field, value, "short"),)


# Relative column widths by sub-field type; a fixed table layout also spares WeasyPrint measuring every cell.
_COLUMN_WEIGHT = {"long_text": 3.0, "short_text": 2.0}


def column_widths(fields: tuple[Field, ...]) -> tuple[int, ...]:
    weights = [_COLUMN_WEIGHT.get(f.type, 1.2) for f in fields]
    return tuple(round(100 * w / sum(weights)) for w in weights)


def _visible(fields: tuple[Field, ...], edition: str) -> tuple[Field, ...]:
    return tuple(f for f in fields if not (edition == "public" and f.sensitive))


def _table(field: Field, rows: list, edition: str) -> Table | None:
    columns = _visible(field.fields, edition)
    printed = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        cells = tuple(_cell(sub, row.get(sub.id)) for sub in columns)
        if any(cells):  # a row with nothing printable in this edition is left out
            printed.append(cells)
    if not columns or not printed:
        return None
    return Table(field.label, tuple(c.label for c in columns), column_widths(columns), tuple(printed))


def _catalogue_items(template: PlanTemplate, field: Field, ids: list) -> tuple[Item, ...]:
    items = []
    for entry_id in ids:
        entry = template.catalogue_entry(field.catalogue or "", str(entry_id))
        if entry is not None:
            items.append(Item(clean_text(entry.name), clean_text(entry.extra.get("contact", "")),
                              clean_text(entry.description)))
    return tuple(items)


def _block(template: PlanTemplate, field: Field, value: Any, edition: str) -> Text | Value | Items | Table | None:
    """The printed form of one field, or None when there is nothing to print (an empty field is left out)."""
    if is_empty(value) or (isinstance(value, str) and not clean_text(value)):
        return None
    if field.type == "group":
        return _table(field, value, edition) if isinstance(value, list) else None
    if field.type == "long_text":
        return Text(field.label, paragraphs(value))
    if field.type == "catalogue":
        items = _catalogue_items(template, field, value if isinstance(value, list) else [])
        return Items(field.label, items) if items else None
    if field.type in CHOICE_TYPES and isinstance(value, list):
        items = tuple(Item(field.option_label(str(v))) for v in value)
        return Items(field.label, items, ticked=field.type == "checklist")
    return Value(field.label, _scalar(field, value, "long"))


def _section_blocks(template: PlanTemplate, section: Section, content: dict, edition: str) -> tuple[Block, ...]:
    values = content.get(section.id) or {}
    if not isinstance(values, dict):
        return ()
    blocks = (_block(template, f, values.get(f.id), edition) for f in _visible(section.fields, edition))
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
    return [s for s in template.sections if not s.sensitive and _visible(s.fields, edition)]


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
    return PlanDocument(template.language, edition, clean_cover, status_label(cover.status), sections)
