"""Which answers a save may write, when several people (or tabs) save one section: field-level merge.

Each field on a page carries a fingerprint of what it held when the page loaded it (its base). A save writes
every answer nobody else changed since; an answer only someone else changed keeps theirs; an answer both changed,
differently, is a conflict the person settles (views/wizard.py shows the colleague's text and "Keep my text").
Pages that send no bases fall back on the section's save log: the whole section must be as the page saw it,
apart from the page's own earlier saves and other sections' saves.
"""
from __future__ import annotations

import hashlib
import json
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


def field_bases(version: PlanVersion, section: Section) -> dict[str, str]:
    stored = (version.content or {}).get(section.id) or {}
    return {field.id: field_base(stored.get(field.id)) for field in section.fields}


def fields_to_write(version, section, values, bases, expected_lock, editor_token) -> dict[str, Any]:
    """What a save may write. With the page's bases (what each field held when the page loaded it): every
    answer nobody else changed since; an answer only someone else changed keeps theirs; an answer both changed,
    differently, is a conflict (unless every save since came from this very page). Without bases: the whole
    section must be as the page saw it (the save log's rule)."""
    if bases is None or not set(values) <= set(bases):
        if not only_own_saves_since(version, expected_lock, editor_token, section.id):
            raise SaveConflict()
        return values
    stored = (version.content or {}).get(section.id) or {}
    writes, clashes = {}, []
    for field_id, value in values.items():
        now, base, mine = field_base(stored.get(field_id)), bases[field_id], field_base(value)
        if now == base:
            writes[field_id] = value
        elif mine != base and mine != now:
            clashes.append(field_id)
    if clashes and not only_own_saves_since(version, expected_lock, editor_token, section.id):
        raise SaveConflict(clashes)
    return {**writes, **{field_id: values[field_id] for field_id in clashes}}
