"""`group`: repeating rows of sub-fields (actors, trainings, measures, support lines), each row with a stable
`_id` so a comparison can follow it; rows may be picked from a catalogue (`_ref` names the entry), and a row
picked from an entry marked `verify` keeps `_verified: true` once the editor has checked its number."""
from __future__ import annotations

import hashlib
import re
import uuid
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from wtforms import BooleanField, FieldList, FormField, HiddenField
from wtforms.validators import ValidationError

from ..form_base import RowForm
from ..template_model import DEFAULT_MAX_ROWS
from .base import N_, ROWS, FieldType, Problem, is_empty, register
from .blocks import Table
from .catalogue import read_catalogue

if TYPE_CHECKING:
    from ..template_model import Field

ROW_ID = re.compile(r"^[0-9a-f]{8,32}$")
ROW_MESSAGES = {
    "not_rows": N_("must be a list of rows"),
    "too_many_rows": N_("has more than %(limit)s rows"),
    "bad_row_id": N_("has no valid, unique _id"),
    "unknown_ref": N_("refers to '%(ref)s', which is not in the catalogue"),
    "unknown_cell": N_("has an unknown field '%(key)s'"),
}


# Keys of a stored row that are not sub-fields: its identity, the entry it was picked from, the editor's check.
ROW_KEYS = ("_id", "_ref", "_verified")


def new_row_id() -> str:
    return uuid.uuid4().hex


def legacy_row_id(field, entry_id: str) -> str:
    """The same `_id` each time an old entry id is read, so that a comparison of an adopted version holding ids
    with a draft holding the rows they became follows each row."""
    return hashlib.sha256(f"{field.id}:{entry_id}".encode()).hexdigest()[:32]


def rows_from_entry_ids(field, value: list, template) -> list[dict[str, Any]]:
    """Rows for a list of catalogue entry ids, filled from the entries as picking them would fill them."""
    rows = []
    for entry_id in value:
        row: dict[str, Any] = {"_id": legacy_row_id(field, entry_id), "_ref": entry_id}
        entry = template.catalogue_entry(field.catalogue or "", entry_id) if template is not None else None
        if entry is not None:
            row.update({k: v for k, v in entry.values().items() if field.subfield(k) and v})
        rows.append(row)
    return rows


class RowsAtMost:
    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        if len(field.entries) > self.limit:
            raise ValidationError(_("There can be at most %(limit)s rows here.", limit=self.limit))


def visible(fields, edition: str):
    """The fields an edition prints: the public edition leaves out sensitive ones."""
    return tuple(f for f in fields if not (edition == "public" and f.sensitive))


def column_widths(fields) -> tuple[int, ...]:
    """Percent of the table per column, by the sub-fields' types: long texts get the room, a date does not."""
    weights = [f.kind.column_weight for f in fields]
    return tuple(min(100, max(1, round(100 * w / sum(weights)))) for w in weights)


# What a follow-up group's rows must hold: the measure, when it is due, and how far it has come.
FOLLOW_UP_CELLS = {"title": None, "deadline": "date", "status": "single_choice"}
FOLLOW_UP_CLOSED = ("done", "dropped")  # statuses after which a passed deadline is no longer late


def _check_follow_up(declaration, fields) -> None:
    by_id = {f.id: f for f in fields}
    for cell, kind in FOLLOW_UP_CELLS.items():
        if cell not in by_id or (kind and by_id[cell].type != kind):
            declaration.problem(f"a follow-up group needs a sub-field '{cell}'" + (f" of type {kind}" if kind else ""))
    status = by_id.get("status")
    values = {o.value for o in status.options} if status else set()
    if status and not set(FOLLOW_UP_CLOSED) <= values:
        declaration.problem("a follow-up group's 'status' needs the options 'done' and 'dropped'")


class Group(FieldType):
    name = "group"
    schema_properties = {
        "fields": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/row_field"},
                   "description": "The sub-fields of one row (any type but a group)."},
        "max_rows": {"type": ["integer", "null"], "minimum": 0, "description": "Most rows allowed (default 50)."},
        "min_rows": {"type": ["integer", "null"], "minimum": 0,
                     "description": "Fewest rows a complete answer has (default 0)."},
        "catalogue": {"type": ["string", "null"], "description": "Optional: a catalogue to pick rows from."},
        "row_label": {"type": ["string", "number", "null"], "description": "A noun for one row, e.g. \"aktör\"."},
        "follow_up": {"type": "boolean",
                      "description": "true: the plan's measures, followed up between revisions. Its rows need a "
                                     "'title', a 'deadline' date and a 'status' choice with the options 'done' and "
                                     "'dropped'; 'owner' and 'indicator' are shown when present."}}
    messages = ROW_MESSAGES
    widget = ROWS
    diff_style = ROWS
    multiple = True
    allowed_in_rows = False

    def declare(self, declaration):
        settings: dict[str, Any] = {
            "fields": declaration.read_fields(declaration.raw.get("fields"), declaration.place),
            "max_rows": declaration.whole_number("max_rows", DEFAULT_MAX_ROWS) or DEFAULT_MAX_ROWS,
            "min_rows": declaration.whole_number("min_rows", 0) or 0,
            "catalogue": read_catalogue(declaration, required=False),
            "row_label": declaration.text("row_label"),
            "follow_up": declaration.flag("follow_up"),
        }
        if settings["min_rows"] > settings["max_rows"]:
            declaration.problem("'min_rows' is larger than 'max_rows'")
        if settings["follow_up"]:
            _check_follow_up(declaration, settings["fields"])
        return settings

    # -- the form: a list of row forms; rows are part of the section form, which carries the one CSRF token
    def form_field(self, field, template):
        attributes = {"row_id": HiddenField(), "row_ref": HiddenField(), "row_verified": BooleanField()}
        for sub in field.fields:
            attributes[sub.id] = sub.kind.form_field(sub, template)
        row_form = type(f"Row_{field.id}", (RowForm,), attributes)
        return FieldList(FormField(row_form), label=field.label, description=field.help, min_entries=0,
                         validators=[RowsAtMost(field.max_rows)])

    def to_form(self, field, value):
        return [{"row_id": row.get("_id"), "row_ref": row.get("_ref") or "",
                 "row_verified": row.get("_verified") is True,
                 **{sub.id: sub.kind.to_form(sub, row.get(sub.id)) for sub in field.fields}}
                for row in value or []]

    def from_form(self, field, data, template):
        rows = [self._stored_row(field, row, template) for row in data or []]
        seen: set[str] = set()
        for row in rows:  # a tampered or copied row id would merge two rows in a comparison
            if row["_id"] in seen:
                row["_id"] = new_row_id()
            seen.add(row["_id"])
        return rows or None

    def _stored_row(self, field, row: dict[str, Any], template) -> dict[str, Any]:
        row_id = row.get("row_id") or ""
        ref = row.get("row_ref") or None
        stored: dict[str, Any] = {"_id": row_id if ROW_ID.match(row_id) else new_row_id()}
        entry = template.catalogue_entry(field.catalogue or "", ref) if ref else None
        if entry is not None:
            stored["_ref"] = ref
            if entry.verify and row.get("row_verified"):
                stored["_verified"] = True
        for sub in field.fields:
            value = sub.kind.from_form(sub, row.get(sub.id), template)
            if not is_empty(value):
                stored[sub.id] = value
        return stored

    # -- stored values
    def read(self, field, value, template):
        """Support lines were once a `catalogue` field, stored as a list of entry ids; such a value reads as
        the rows picking those entries gives (name, number, description from the catalogue).

        Read, not migrated: an adopted version is the council's decision and keeps the content it was adopted
        with; a draft's value becomes rows the first time its section is saved. Each row's `_id` is derived
        from the entry id (legacy_row_id), so comparing an adopted list of ids with the draft's rows shows the
        edits made to each line rather than every line removed and added again."""
        if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            return rows_from_entry_ids(field, value, template)
        return value

    def problem(self, field, value, template):
        value = self.read(field, value, template)
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            return Problem("not_rows")
        if len(value) > field.max_rows:
            return Problem("too_many_rows", {"limit": field.max_rows})
        seen = set()
        for number, row in enumerate(value, start=1):
            row_id = row.get("_id")
            if not isinstance(row_id, str) or not ROW_ID.match(row_id) or row_id in seen:
                return Problem("bad_row_id", row=number)
            seen.add(row_id)
            ref = row.get("_ref")
            if ref is not None and template.catalogue_entry(field.catalogue or "", ref) is None:
                return Problem("unknown_ref", {"ref": str(ref)}, row=number)
            problem = self._cell_problem(field, row, template)
            if problem:
                return Problem(problem.code, problem.params, row=number, cell=problem.cell)
        return None

    def _cell_problem(self, field, row: dict, template) -> Problem | None:
        for key, cell in row.items():
            if key in ROW_KEYS or is_empty(cell):
                continue
            sub = field.subfield(key)
            if sub is None:
                return Problem("unknown_cell", {"key": key})
            problem = sub.kind.problem(sub, cell, template)
            if problem:
                return Problem(problem.code, problem.params, cell=sub.id)
        return None

    def is_missing(self, field, value):
        return self.too_few_rows(field, value) or bool(self.missing_cells(field, value))

    def too_few_rows(self, field, value) -> bool:
        """Missing as a whole: no rows though some are required, or fewer than its minimum."""
        rows = value if isinstance(value, list) else []
        return (field.required and is_empty(value)) or (bool(rows) and len(rows) < field.min_rows)

    def missing_cells(self, field, value) -> list[tuple[int, Field]]:
        """The required answers missing inside rows, as (row index, sub-field), so each can be named."""
        rows = value if isinstance(value, list) else []
        return [(index, sub) for index, row in enumerate(rows) if isinstance(row, dict)
                for sub in field.fields if sub.kind.is_missing(sub, row.get(sub.id))]

    # -- reading
    def row_cells(self, field, row: dict, template, fields=None) -> list[str]:
        """One row's cells, one per sub-field in template order (several items joined with commas)."""
        return [", ".join(sub.kind.texts(sub, row.get(sub.id), template, compact=True))
                for sub in (fields if fields is not None else field.fields)]

    def texts(self, field, value, template, compact=False):
        value = self.read(field, value, template)
        rows = value if isinstance(value, list) else []
        return tuple(" · ".join(cell for cell in self.row_cells(field, row, template) if cell)
                     for row in rows if isinstance(row, dict))

    def document_block(self, field, value, template, edition):
        columns = visible(field.fields, edition)
        value = self.read(field, value, template)
        printed = []
        for row in value if isinstance(value, list) else []:
            if not isinstance(row, dict):
                continue
            cells = tuple(() if is_empty(row.get(sub.id)) else sub.kind.table_cell(sub, row.get(sub.id), template)
                          for sub in columns)
            if any(cells):  # a row with nothing printable in this edition is left out
                printed.append(cells)
        if not columns or not printed:
            return None
        return Table(field.label, tuple(c.label for c in columns), column_widths(columns), tuple(printed))


GROUP = register(Group())
