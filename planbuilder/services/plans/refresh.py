"""Which answers an open section page shows outdated: its presence poll names what each field held when the page
loaded it (its base's fingerprint, merge.field_base), and gets back each answer stored differently since, to put
in place where the person is not working (static/app.js). The save's merge stays the guard for a field being
edited, so a refresh never decides what is written."""
from __future__ import annotations

from ...models import PlanVersion
from ...plan_templates import Section
from .merge import ROWS_MARK, field_bases


def fingerprint(base: str) -> str:
    """A base without a group's list of rows: what the poll sends, so its address stays short."""
    return base.split(ROWS_MARK, 1)[0]


def outdated(version: PlanVersion, section: Section, page_bases: dict[str, str]) -> dict[str, tuple[str, str]]:
    """field id -> (the page's fingerprint, the stored answer's whole base), for each of the section's fields the
    page named whose stored answer is another than the page holds; fields the page did not name are left out."""
    stored = field_bases(version, section)
    return {field_id: (fingerprint(page_bases[field_id]), now) for field_id, now in stored.items()
            if field_id in page_bases and fingerprint(page_bases[field_id]) != fingerprint(now)}
