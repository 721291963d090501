"""A backup's rows as JSON values, and the check that each row is one this release writes.

A file edited by hand (one accepted with --accept-unsigned, or resealed by someone holding the backup key) may
hold anything: a row that is not an object, a column that does not exist, a date that is no date, a title longer
than its column. Each is refused in one line naming the row, before a single row is written, instead of ending
the restore with a database error."""
from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Date, LargeBinary, Table

from ...models import UTCDateTime


def to_json(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(column.type, UTCDateTime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(column.type, Date):
        return value.isoformat()
    return value


def from_json(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value, validate=True)
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def shape_problem(tables: Any, known: dict[str, Table]) -> str | None:
    """The first table or row that is not as this release writes it (known: the tables a backup holds)."""
    if not isinstance(tables, dict):
        return "its tables are not a set of named lists"
    for name, rows in tables.items():
        table = known.get(name)
        if table is None:
            return f"{name!r} is not a table a backup holds"
        if not isinstance(rows, list):
            return f"{name} is not a list of rows"
        for number, row in enumerate(rows, start=1):
            problem = _row_problem(table, row)
            if problem:
                shown = row.get("id") if isinstance(row, dict) and _is_integer(row.get("id")) else f"#{number}"
                return f"{name} {shown}: {problem}"
    return None


def _row_problem(table: Table, row: Any) -> str | None:
    if not isinstance(row, dict):
        return "not a row (an object of columns)"
    unknown = sorted(set(row) - set(table.columns.keys()))
    if unknown:
        return f"there is no column {unknown[0]!r}"
    for column in table.columns:
        problem = _value_problem(column, row.get(column.name))
        if problem:
            return f"{column.name} {problem}"
    return None


def _value_problem(column, value: Any) -> str | None:
    if value is None:
        return None if column.nullable and not column.primary_key else "is missing"
    try:
        value = from_json(column, value)
    except (TypeError, ValueError, binascii.Error):
        return "cannot be read"
    if isinstance(column.type, JSON):
        return None  # any JSON value the file holds is one JSON can store
    expected = column.type.python_type
    if expected is int and not _is_integer(value) or expected is not int and not isinstance(value, expected):
        return f"should be {expected.__name__}, not {type(value).__name__}"
    length = getattr(column.type, "length", None)
    if isinstance(value, str) and length and len(value) > length:
        return f"is longer than its column allows ({length} characters)"
    return None


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -2**63 <= value < 2**63
