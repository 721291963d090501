"""What the revision work did with each section that has no changes: confirmed still valid (by whom, when) or
not reviewed, for the comparison page and the council's changes annex."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import PlanVersion, User
from ..compare import diff
from .plans import template_for
from .wizard import REVIEW_CHANGED, REVIEW_CONFIRMED


@dataclass(frozen=True)
class ReviewNote:
    """What the revision work did with a section that has no changes: confirmed still valid (by whom, when), or
    not reviewed. Changed sections speak for themselves."""
    confirmed: bool
    by: str | None = None
    on: datetime | None = None


def review_notes(version: PlanVersion) -> dict[str, ReviewNote]:
    """{section id: note} for a revision (a version based on an earlier one); empty for a first version, where
    "no changes" needs no explaining."""
    if not version.based_on_id:
        return {}
    states = version.section_state or {}
    ids = {state.get("confirmed_by_id") for state in states.values() if state.get("confirmed_by_id")}
    found = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))) if ids else ()
    names = {user_id: name for user_id, name in found}
    notes = {}
    for section in template_for(version.template_id).sections:
        state = states.get(section.id, {})
        if state.get("review") == REVIEW_CONFIRMED:
            at = state.get("confirmed_at")
            notes[section.id] = ReviewNote(True, names.get(state.get("confirmed_by_id")),
                                           datetime.fromisoformat(at) if at else None)
        elif state.get("review") != REVIEW_CHANGED:
            notes[section.id] = ReviewNote(False)
    return notes


def unchanged_groups(result: diff.Comparison, notes: dict[str, ReviewNote]
                     ) -> tuple[list[diff.SectionChanges], list[diff.SectionChanges], list[diff.SectionChanges]]:
    """The sections without changes, as the annex lists them: confirmed still valid, not reviewed, and (in a
    first version) simply without changes."""
    unchanged = [section for section in result.sections if not section.changed]
    confirmed = [s for s in unchanged if s.id in notes and notes[s.id].confirmed]
    unreviewed = [s for s in unchanged if s.id in notes and not notes[s.id].confirmed]
    return confirmed, unreviewed, [s for s in unchanged if s.id not in notes]


def note_text(note: ReviewNote) -> str:
    """The note in words, as the plain-text comparison prints it ("confirmed still valid by Anna Berg, …")."""
    if not note.confirmed:
        return _("not reviewed")
    if note.by and note.on:
        return _("confirmed still valid by %(name)s, %(date)s", name=note.by, date=format_date(note.on))
    return _("confirmed still valid by %(name)s", name=note.by) if note.by else _("confirmed still valid")
