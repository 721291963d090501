"""A conflict, as the person settles it: an answer both they and a colleague changed since the page loaded it
is shown side by side (their own text, not saved, and what the colleague saved, by whom and when), with three
ways out: keep mine, take theirs, or put both in the box to edit into one. Nothing of either is lost."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...extensions import db
from ...models import PlanVersion, User
from ...plan_templates import Field, PlanTemplate, Section
from .content import is_empty
from .merge import kept_base, last_change

# Both texts in one box: the person's own first, then the colleague's, a blank line apart.
COMBINED_SEPARATOR = "\n\n"
TAKE, COMBINE = "take", "combine"


@dataclass(frozen=True)
class Clash:
    field_id: str
    label: str
    mine: list[str]           # the person's answer as the plan prints it
    theirs: list[str]         # what the colleague saved
    saved_by: str | None      # the colleague's name, when the save log says
    saved_at: datetime | None
    keep_base: str            # sent by "keep mine" and "both in the box": what is stored now is saved over
    combinable: bool          # free text, where both can go in one box
    url: str = ""             # where the page's choice is sent (set by the view)


def clashes_of(template: PlanTemplate, version: PlanVersion, section: Section, typed: dict[str, Any],
               page_bases: dict[str, str], field_ids: list[str]) -> list[Clash]:
    stored = (version.content or {}).get(section.id) or {}
    found = []
    for field in map(section.field, field_ids):
        user_id, when = last_change(version, section.id, field.id)
        saver = db.session.get(User, user_id) if user_id else None
        found.append(Clash(
            field.id, field.label, _texts(template, field, typed.get(field.id)),
            _texts(template, field, stored.get(field.id)), saver.display_name if saver else None,
            datetime.fromisoformat(when) if when else None,
            kept_base(field, stored.get(field.id), page_bases.get(field.id)), field.type == "long_text"))
    return found


def _texts(template: PlanTemplate, field: Field, value: Any) -> list[str]:
    return [] if is_empty(value) else list(field.kind.texts(field, value, template))


def combined(field: Field, mine: Any, theirs: Any) -> str | None:
    """The person's text and the colleague's in one (free text only); None when together they are longer than
    the field allows, so the person copies what they need instead."""
    text = COMBINED_SEPARATOR.join(part for part in (mine, theirs) if isinstance(part, str) and part.strip())
    limit = field.max_length or field.kind.default_max_length
    return text if len(text) <= limit else None
