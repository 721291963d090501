"""What the printed plan is made of: the blocks a field prints as, shared by the HTML preview, the PDF and DOCX.

Field types build them (FieldType.document_block); services/documents/ arranges them into the document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Characters XML 1.0 cannot hold (python-docx refuses them, PDF text would show boxes): dropped from user text.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


# Bidirectional embedding, override and isolate controls: one in a decision reference would print the rest of
# the line reversed. Left out of what is printed; the stored text keeps them as typed.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def clean_text(value: Any) -> str:
    """User text as it may be printed: line ends made plain, and characters left out that a document cannot
    hold (XML 1.0) or that would rearrange what is printed (bidi controls)."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _BIDI_CONTROLS.sub("", _NOT_XML.sub("", text)).strip()


def paragraphs(value: Any) -> tuple[str, ...]:
    """Blank lines separate paragraphs; a single newline stays, as a line break the writer meant."""
    text = clean_text(value)
    if not text:
        return ()
    return tuple("\n".join(line.strip() for line in chunk.split("\n")) for chunk in _PARAGRAPH_BREAK.split(text))


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


Block = Text | Value | Facts | Items | Table
