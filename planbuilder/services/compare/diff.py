"""Compare two versions of a plan: what changed, section by section, field by field, row by row.

Pure functions over (template_a, content_a, template_b, content_b): no database, no request; only the texts
they show (yes and no, dates, numbers) follow the current locale. The two templates may be different
revisions; a field that exists in only one of them (or a stored value whose field no template knows any more)
shows as added or removed. Rows of a repeating group are matched by their `_id`, so an edited actor is one
changed row, not a removed and an added one, and a reordering alone is a move.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from ...fields import ITEMS, WORDS, is_empty
from ...fields.text import SHORT_TEXT
from ...template_model import Field, PlanTemplate, Section
from .word_diff import Part, word_diff

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
# Sub-fields that name a row, in order of preference (the standard ids of docs/plan-templates.md).
_ROW_NAME_FIELDS = ("name", "title", "target_group", "environment")


@dataclass(frozen=True)
class Change:
    """One field (or one cell of a row) in the comparison."""
    id: str
    label: str
    kind: str                          # added | removed | changed | unchanged
    old: tuple[str, ...] = ()          # as a reader sees it: option labels, one entry per chosen item
    new: tuple[str, ...] = ()
    words: tuple[Part, ...] = ()       # a changed text, word by word
    items_added: tuple[str, ...] = ()  # a changed list of choices
    items_removed: tuple[str, ...] = ()
    rows: tuple[RowChange, ...] = ()   # a repeating group's rows (changed, or all of them in a listing)
    row_label: str = ""
    is_group: bool = False


@dataclass(frozen=True)
class RowChange:
    id: str
    kind: str            # added | removed | changed | unchanged
    title: str
    moved: bool = False  # its place among the other rows changed
    cells: tuple[Change, ...] = ()


@dataclass(frozen=True)
class SectionChanges:
    id: str
    number: int
    title: str
    kind: str  # added | removed | changed | unchanged
    changes: tuple[Change, ...] = ()

    @property
    def changed(self) -> bool:
        return self.kind != UNCHANGED

    @property
    def heading(self) -> str:
        """"8. Åtgärder" as the plan document numbers it; a foreword (number 0) has no number."""
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass(frozen=True)
class RowCounts:
    """How the rows of one kind (a group's row_label, e.g. "aktör") changed, over the whole plan."""
    label: str
    added: int = 0
    removed: int = 0
    changed: int = 0
    moved: int = 0


@dataclass(frozen=True)
class Comparison:
    sections: tuple[SectionChanges, ...]
    rows: tuple[RowCounts, ...]

    @property
    def changed_sections(self) -> tuple[SectionChanges, ...]:
        return tuple(s for s in self.sections if s.changed)

    @property
    def has_changes(self) -> bool:
        return bool(self.changed_sections)

    def section(self, section_id: str) -> SectionChanges | None:
        return next((s for s in self.sections if s.id == section_id), None)


# --- values as a reader sees them -----------------------------------------------------------------------------

def shown(template: PlanTemplate | None, field: Field | None, value: Any) -> tuple[str, ...]:
    """A stored value as display texts (its field type's own formatter, as on screen and in the document)."""
    if is_empty(value):
        return ()
    if field is None:  # a value whose field no template knows: show it as stored
        return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)
    return field.kind.texts(field, value, template)


# --- fields and rows ------------------------------------------------------------------------------------------

def _diff_style(field: Field | None) -> str:
    return WORDS if field is None else field.kind.diff_style


def _field_change(template_a, field_a, value_a, template_b, field_b, value_b,
                  include_sensitive: bool = True) -> Change | None:
    """The change of one field between the versions, or None when it did not change."""
    field = field_b or field_a
    empty_a, empty_b = is_empty(value_a), is_empty(value_b)
    if (empty_a and empty_b) or (value_a == value_b and _same_kind(field_a, field_b)):
        return None
    if (field_a and field_a.is_group) or (field_b and field_b.is_group):
        return _group_change(template_a, field_a, value_a, template_b, field_b, value_b, include_sensitive)
    old, new = shown(template_a, field_a, value_a), shown(template_b, field_b, value_b)
    if old == new and not (empty_a or empty_b):
        return None
    kind = ADDED if empty_a else REMOVED if empty_b else CHANGED
    if kind != CHANGED:
        return Change(field.id, field.label, kind, old, new)
    if _diff_style(field_a) == _diff_style(field_b) == WORDS and len(old) == len(new) == 1:
        return Change(field.id, field.label, kind, old, new, words=word_diff(old[0], new[0]))
    if len(old) != 1 or len(new) != 1 or _diff_style(field) == ITEMS:
        return Change(field.id, field.label, kind, old, new,
                      items_added=tuple(v for v in new if v not in old),
                      items_removed=tuple(v for v in old if v not in new))
    return Change(field.id, field.label, kind, old, new)


def _same_kind(field_a: Field | None, field_b: Field | None) -> bool:
    return (field_a.type if field_a else None) == (field_b.type if field_b else None)


def _unknown(field_id: str) -> Field:
    """A stand-in for a stored value whose field neither template knows: compared as text."""
    return Field(id=field_id, type=SHORT_TEXT.name, kind=SHORT_TEXT, label=field_id)


def _rows(template: PlanTemplate | None, field: Field | None, value: Any) -> list[dict]:
    """A group's rows; a value of an earlier shape (entry ids) read as the rows it stands for."""
    if field is not None:
        value = field.kind.read(field, value, template)
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _row_title(template: PlanTemplate | None, field: Field | None, row: dict) -> str:
    for key in _ROW_NAME_FIELDS:
        if not is_empty(row.get(key)):
            sub = field.subfield(key) if field else None
            return ", ".join(shown(template, sub, row.get(key)))
    for sub in (field.fields if field else ()):
        if sub.kind.diff_style == WORDS and not is_empty(row.get(sub.id)):
            return str(row[sub.id])
    return ""


def _sub_fields(field_a: Field | None, field_b: Field | None, row_a: dict, row_b: dict) -> list[str]:
    """Every sub-field id either template or either row knows, in B's order, then A's, then stored extras."""
    ids = [f.id for f in (field_b.fields if field_b else ())]
    ids += [f.id for f in (field_a.fields if field_a else ()) if f.id not in ids]
    ids += [k for row in (row_a, row_b) for k in row if not k.startswith("_") and k not in ids]
    return list(dict.fromkeys(ids))


def _cells(template_a, field_a, row_a, template_b, field_b, row_b, include_sensitive) -> tuple[Change, ...]:
    cells = []
    for sub_id in _sub_fields(field_a, field_b, row_a, row_b):
        sub_a = field_a.subfield(sub_id) if field_a else None
        sub_b = field_b.subfield(sub_id) if field_b else None
        if not include_sensitive and any(sub is not None and sub.sensitive for sub in (sub_a, sub_b)):
            continue
        if sub_a is None and sub_b is None:
            sub_a = sub_b = _unknown(sub_id)
        change = _field_change(template_a, sub_a, row_a.get(sub_id), template_b, sub_b, row_b.get(sub_id))
        if change is not None:
            cells.append(change)
    return tuple(cells)


def _moved(order_a: list[str], order_b: list[str]) -> set[str]:
    """Rows whose place changed: those outside a longest run kept in the same relative order."""
    position = {row_id: i for i, row_id in enumerate(order_a)}
    sequence = [position[row_id] for row_id in order_b]
    # Longest increasing subsequence (patience sorting), remembering predecessors to rebuild it.
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(sequence)
    for i, value in enumerate(sequence):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[k] = value
            tail_index[k] = i
        previous[i] = tail_index[k - 1] if k > 0 else -1
    kept: set[str] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        kept.add(order_b[i])
        i = previous[i]
    return set(order_b) - kept


def _group_change(template_a, field_a, value_a, template_b, field_b, value_b, include_sensitive) -> Change | None:
    field = field_b or field_a
    rows_a, rows_b = _rows(template_a, field_a, value_a), _rows(template_b, field_b, value_b)
    by_id_a = {row.get("_id"): row for row in rows_a}
    by_id_b = {row.get("_id"): row for row in rows_b}
    common_a = [r.get("_id") for r in rows_a if r.get("_id") in by_id_b]
    common_b = [r.get("_id") for r in rows_b if r.get("_id") in by_id_a]
    moved = _moved(common_a, common_b) if common_a != common_b else set()
    changes: list[RowChange] = []
    for row in rows_b:
        row_id = row.get("_id")
        before = by_id_a.get(row_id)
        if before is None:
            cells = _cells(template_a, None, {}, template_b, field_b, row, include_sensitive)
            changes.append(RowChange(str(row_id), ADDED, _row_title(template_b, field_b, row), cells=cells))
            continue
        cells = _cells(template_a, field_a, before, template_b, field_b, row, include_sensitive)
        kind = CHANGED if cells else UNCHANGED
        changes.append(RowChange(str(row_id), kind, _row_title(template_b, field_b, row) or
                                 _row_title(template_a, field_a, before), moved=row_id in moved, cells=cells))
    for index, row in enumerate(rows_a):
        if row.get("_id") not in by_id_b:
            cells = _cells(template_a, field_a, row, template_b, None, {}, include_sensitive)
            # Shown where it stood: after the row that preceded it in A, if that row is still there.
            changes.insert(_insert_at(changes, rows_a, index),
                           RowChange(str(row.get("_id")), REMOVED, _row_title(template_a, field_a, row),
                                     cells=cells))
    if all(r.kind == UNCHANGED and not r.moved for r in changes) and _same_kind(field_a, field_b):
        return None
    kind = ADDED if not rows_a else REMOVED if not rows_b else CHANGED
    return Change(field.id, field.label, kind, rows=tuple(changes), row_label=field.row_label or "", is_group=True)


def _insert_at(changes: list[RowChange], rows_a: list[dict], index: int) -> int:
    for earlier in reversed(rows_a[:index]):
        found = next((i for i, c in enumerate(changes) if c.id == str(earlier.get("_id"))), None)
        if found is not None:
            return found + 1
    return 0


# --- sections and the whole plan -------------------------------------------------------------------------------

def _visible(fields, include_sensitive: bool):
    return tuple(f for f in fields if include_sensitive or not f.sensitive)


def _section_changes(template_a, section_a, values_a, template_b, section_b, values_b,
                     include_sensitive: bool) -> tuple[Change, ...]:
    fields_b = _visible(section_b.fields, include_sensitive) if section_b else ()
    fields_a = _visible(section_a.fields, include_sensitive) if section_a else ()
    hidden = {f.id for s in (section_a, section_b) if s for f in s.fields if f not in fields_a + fields_b}
    ids = [f.id for f in fields_b] + [f.id for f in fields_a if f.id not in {g.id for g in fields_b}]
    ids += [k for values in (values_a, values_b) for k in values if k not in ids and k not in hidden]
    changes = []
    for field_id in dict.fromkeys(ids):
        field_a = section_a.field(field_id) if section_a else None
        field_b = section_b.field(field_id) if section_b else None
        if field_a is None and field_b is None:
            field_a = field_b = _unknown(field_id)
        change = _field_change(template_a, field_a, values_a.get(field_id), template_b, field_b,
                               values_b.get(field_id), include_sensitive)
        if change is not None:
            changes.append(change)
    return tuple(changes)


def _section_ids(template_a: PlanTemplate, content_a: dict, template_b: PlanTemplate, content_b: dict) -> list[str]:
    ids = [s.id for s in template_b.sections]
    ids += [s.id for s in template_a.sections if s.id not in ids]
    ids += [k for content in (content_a, content_b) for k in content if k not in ids]
    return list(dict.fromkeys(ids))


def _values(content: dict, section_id: str) -> dict:
    values = content.get(section_id)
    return values if isinstance(values, dict) else {}


def _is_sensitive(*sections: Section | None) -> bool:
    return any(s is not None and s.sensitive for s in sections)


def compare(template_a: PlanTemplate, content_a: dict | None, template_b: PlanTemplate, content_b: dict | None,
            include_sensitive: bool = True) -> Comparison:
    """Everything that changed from A to B. include_sensitive=False leaves out what the public edition omits."""
    content_a = content_a if isinstance(content_a, dict) else {}
    content_b = content_b if isinstance(content_b, dict) else {}
    sections, number = [], 0
    for section_id in _section_ids(template_a, content_a, template_b, content_b):
        section_a, section_b = template_a.section(section_id), template_b.section(section_id)
        front_matter = (section_b or section_a or Section(section_id, "", ())).front_matter
        # Numbered as the plan document numbers them: a section the public edition leaves out keeps its number.
        number += 0 if front_matter else 1
        if not include_sensitive and _is_sensitive(section_a, section_b):
            continue
        values_a, values_b = _values(content_a, section_id), _values(content_b, section_id)
        unknown = Section(id=section_id, title=section_id, fields=())
        changes = _section_changes(template_a, section_a or (None if section_b else unknown), values_a,
                                   template_b, section_b or (None if section_a else unknown), values_b,
                                   include_sensitive)
        if section_a is None and section_b is None and not changes:
            continue
        kind = (UNCHANGED if not changes else ADDED if all(is_empty(v) for v in values_a.values())
                else REMOVED if all(is_empty(v) for v in values_b.values()) else CHANGED)
        title = (section_b or section_a or unknown).title
        sections.append(SectionChanges(section_id, 0 if front_matter else number, title, kind, changes))
    return Comparison(tuple(sections), _row_counts(sections))


def _row_counts(sections: list[SectionChanges]) -> tuple[RowCounts, ...]:
    counts: dict[str, dict[str, int]] = {}
    for section in sections:
        for change in section.changes:
            if not change.rows:
                continue
            label = change.row_label or change.label
            tally = counts.setdefault(label, {"added": 0, "removed": 0, "changed": 0, "moved": 0})
            for row in change.rows:
                if row.kind in (ADDED, REMOVED, CHANGED):
                    tally[row.kind] += 1
                elif row.moved:
                    tally["moved"] += 1
    return tuple(RowCounts(label, **tally) for label, tally in counts.items() if any(tally.values()))


def listing(template: PlanTemplate, content: dict | None, section_id: str,
            include_sensitive: bool = True) -> tuple[Change, ...]:
    """One section's answers as unchanged entries, to show a section that has no changes when asked to."""
    section = template.section(section_id)
    values = _values(content if isinstance(content, dict) else {}, section_id)
    if section is None:
        return ()
    entries = []
    for field in _visible(section.fields, include_sensitive):
        value = values.get(field.id)
        if is_empty(value):
            continue
        if field.is_group:
            subs = _visible(field.fields, include_sensitive)
            rows = tuple(RowChange(str(row.get("_id")), UNCHANGED, _row_title(template, field, row),
                                   cells=tuple(Change(s.id, s.label, UNCHANGED, new=shown(template, s, row.get(s.id)))
                                               for s in subs if not is_empty(row.get(s.id))))
                         for row in _rows(template, field, value))
            entries.append(Change(field.id, field.label, UNCHANGED, rows=rows, row_label=field.row_label or "",
                                  is_group=True))
        else:
            entries.append(Change(field.id, field.label, UNCHANGED, new=shown(template, field, value)))
    return tuple(entries)
