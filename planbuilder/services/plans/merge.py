"""Which answers a save may write, when several people (or tabs) save one section: field-level merge.

Each field on a page carries a fingerprint of what it held when the page loaded it (its base). A save writes
every answer nobody else changed since; an answer only someone else changed keeps theirs; an answer both changed,
differently, is a conflict the person settles (views/wizard_merge.py shows both texts side by side).
A repeating group is merged row by row (rows keep their `_id`): its base also names each row's fingerprint, so
two people changing different rows, or both adding rows, never conflict.
Pages that send no bases fall back on the section's save log: the whole section must be as the page saw it,
apart from the page's own earlier saves and other sections' saves.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from ...models import PlanVersion
from ...plan_templates import Section
from .content import is_empty


class SaveConflict(Exception):
    """The version changed since the form was loaded (another tab, a colleague): nothing was written. `fields`
    names the answers both sides changed, when the page said what it had loaded (field-level merge)."""

    def __init__(self, fields: list[str] | None = None):
        super().__init__(", ".join(fields or []))
        self.fields = list(fields or [])


SAVE_LOG_LENGTH = 100


def only_own_saves_since(version: PlanVersion, expected_lock: int | None, editor_token: str | None,
                         section_id: str | None = None) -> bool:
    """Whether nobody but this page changed the section since expected_lock.

    Every save is logged as [lock counter after it, the saving page's editor token, the section it wrote].
    A save naming an older counter is still safe when each change since then came from this same page (an
    autosave still in flight when the person pressed "Save") or touched another section (a colleague working
    on another part of the plan). Anything the log cannot account for is refused.
    """
    if expected_lock is None or expected_lock > version.lock_version:
        return False
    if expected_lock == version.lock_version:
        return True
    newer = [entry for entry in version.save_log or [] if entry[0] > expected_lock]
    if len(newer) != version.lock_version - expected_lock:
        return False  # older than the log, or changed by something that does not log (a status change)
    return all((editor_token and entry[1] == editor_token)
               or (section_id is not None and len(entry) > 2 and entry[2] != section_id) for entry in newer)


def field_base(value: Any) -> str:
    """A short fingerprint of one stored answer: the page keeps it for each field it shows, and a save names it
    as what it started from (field-level merge)."""
    canonical = json.dumps(None if is_empty(value) else value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# A group's base: its own fingerprint, then each row's ("<group>|<row id>:<row>,..."), in the page's order.
ROWS_MARK, ROW_SEPARATOR, ROW_ID_MARK = "|", ",", ":"
# A base no stored answer has: "keep my text" for a group names rows but not the group's fingerprint.
KEPT_GROUP = "kept"


def base_of(field, value: Any) -> str:
    """What the page keeps for one field: its fingerprint, and for a group each row's as well."""
    if not field.is_group:
        return field_base(value)
    return field_base(value) + ROWS_MARK + _listed_rows(_rows(value) or [])


def _listed_rows(rows: list[dict]) -> str:
    return ROW_SEPARATOR.join(f"{row['_id']}{ROW_ID_MARK}{field_base(row)}" for row in rows)


def kept_base(field, stored_value: Any, page_base: str | None) -> str:
    """The base "keep my text" sends: what is stored now is what the person chose to save over. For a group,
    the rows the page had loaded take the person's version; rows a colleague added meanwhile stay."""
    if not field.is_group:
        return field_base(stored_value)
    loaded = _row_bases(page_base or "") or {}
    return KEPT_GROUP + ROWS_MARK + _listed_rows([row for row in _rows(stored_value) or [] if row["_id"] in loaded])


def field_bases(version: PlanVersion, section: Section) -> dict[str, str]:
    stored = (version.content or {}).get(section.id) or {}
    return {field.id: base_of(field, stored.get(field.id)) for field in section.fields}


def _rows(value: Any) -> list[dict] | None:
    """A group's rows when each has its `_id` (anything else is merged as one answer)."""
    if is_empty(value):
        return []
    if isinstance(value, list) and all(isinstance(row, dict) and row.get("_id") for row in value):
        return value
    return None


def _row_bases(base: str) -> dict[str, str] | None:
    if ROWS_MARK not in base:
        return None
    listed = base.split(ROWS_MARK, 1)[1]
    pairs = [entry.split(ROW_ID_MARK, 1) for entry in listed.split(ROW_SEPARATOR) if ROW_ID_MARK in entry]
    return dict(pairs)


def merged_rows(stored: list[dict], mine: list[dict], bases: dict[str, str]) -> tuple[list[dict], list[str]]:
    """Three-way merge of a group's rows: what is stored now, what this page sends, what the page loaded.

    A row only one side changed takes that side's; a row both changed differently is a clash (the person's
    row is taken when they chose to keep theirs). A row the page loaded and no longer sends was removed here
    and goes, unless a colleague changed it meanwhile; a row a colleague removed goes, unless the person changed
    it. New rows of both sides are kept. The page's order wins unless a colleague reordered the rows meanwhile.
    Returns the rows and the ids of the clashing ones.
    """
    stored_by, mine_by = {row["_id"]: row for row in stored}, {row["_id"]: row for row in mine}
    merged, clashes = {}, []
    for row_id, row in stored_by.items():
        base, now = bases.get(row_id), field_base(row)
        if row_id not in mine_by:
            if base != now:  # a colleague's new row, or one they changed after this page removed it
                merged[row_id] = row
            continue
        own = field_base(mine_by[row_id])
        if now == base or own == now:
            merged[row_id] = mine_by[row_id]
        elif own == base:
            merged[row_id] = row
        else:
            clashes.append(row_id)
            merged[row_id] = mine_by[row_id]
    for row_id, row in mine_by.items():
        if row_id not in stored_by and bases.get(row_id) != field_base(row):
            merged[row_id] = row  # new here, or changed here after a colleague removed it: nothing is lost
    stored_order = [row_id for row_id in stored_by if row_id in bases]
    leading = mine_by if stored_order == [row_id for row_id in bases if row_id in stored_by] else stored_by
    order = [row_id for row_id in leading if row_id in merged]
    order += [row_id for row_id in (*stored_by, *mine_by) if row_id in merged and row_id not in order]
    return [merged[row_id] for row_id in order], clashes


def _merge_field(stored_value: Any, value: Any, base: str) -> tuple[bool, Any]:
    """(clash, what to write or None to leave the stored answer) for one field whose stored answer changed
    since the page loaded it."""
    row_bases, stored_rows, my_rows = _row_bases(base), _rows(stored_value), _rows(value)
    if row_bases is not None and stored_rows is not None and my_rows is not None:
        rows, clashes = merged_rows(stored_rows, my_rows, row_bases)
        return bool(clashes), rows
    base = base.split(ROWS_MARK, 1)[0]
    mine, now = field_base(value), field_base(stored_value)
    if mine == base or mine == now:
        return False, None  # only the colleague changed it (or both to the same answer): theirs stays
    return True, value


def fields_to_write(version, section, values, bases, expected_lock, editor_token) -> dict[str, Any]:
    """What a save may write. With the page's bases (what each field held when the page loaded it): every
    answer nobody else changed since; an answer only someone else changed keeps theirs; an answer both changed,
    differently, is a conflict (unless every save since came from this very page); a group is merged row by
    row. Without bases: the whole section must be as the page saw it (the save log's rule)."""
    if bases is None or not set(values) <= set(bases):
        if not only_own_saves_since(version, expected_lock, editor_token, section.id):
            raise SaveConflict()
        return values
    stored = (version.content or {}).get(section.id) or {}
    writes, clashes = {}, []
    for field_id, value in values.items():
        if field_base(stored.get(field_id)) == bases[field_id].split(ROWS_MARK, 1)[0]:
            writes[field_id] = value
            continue
        clash, merged = _merge_field(stored.get(field_id), value, bases[field_id])
        if clash:
            clashes.append(field_id)
        if merged is not None:
            writes[field_id] = merged
    if any(not _own_answer(version, section.id, field_id, expected_lock, editor_token) for field_id in clashes):
        raise SaveConflict(clashes)
    return {**writes, **{field_id: values[field_id] for field_id in clashes if field_id not in writes}}


def _own_answer(version, section_id, field_id, expected_lock, editor_token) -> bool:
    """Whether a stored answer that differs from the page's base was written by this very page (its earlier save,
    whose new base had not reached the page yet). The save log names who wrote each answer last; the page's lock
    is no proof, as any other answer's save raises it past colleagues' saves."""
    for entry in reversed(version.save_log or []):
        if len(entry) > 5 and entry[2] == section_id and field_id in entry[5]:
            return bool(editor_token) and entry[1] == editor_token
    return only_own_saves_since(version, expected_lock, editor_token, section_id)  # a log from before it said


def last_change(version: PlanVersion, section_id: str, field_id: str) -> tuple[int | None, str | None]:
    """Who saved an answer last and when (an ISO time), from the save log; (None, None) when it does not say."""
    for entry in reversed(version.save_log or []):
        if len(entry) > 5 and entry[2] == section_id and field_id in entry[5]:
            return entry[3], entry[4]
    return None, None


def previous_save_at(version: PlanVersion) -> datetime | None:
    """When the version was saved before its latest save, from the save log; None when it does not say."""
    log = version.save_log or []
    if len(log) < 2 or len(log[-2]) < 5 or not log[-2][4]:
        return None
    return datetime.fromisoformat(log[-2][4])
