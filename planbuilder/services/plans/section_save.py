"""Saving a section page's form, as one call: which fields the post covers, validation, a row action, the
"completed" mark and the write, with one outcome the page shows (saved, invalid, conflict, not editable)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from flask_babel import gettext as _

from ...extensions import db
from ...models import PlanVersion, User
from ...template_model import PlanTemplate, Section
from ..documents import preparation
from . import clashes, merge, wizard
from .content import missing_required
from .wizard import RowAction

log = logging.getLogger(__name__)

SAVED, INVALID, CONFLICT, NOT_EDITABLE = "saved", "invalid", "conflict", "not_editable"


@dataclass(frozen=True)
class SectionPost:
    """What one post of a section form asks for, beyond the form's values."""
    autosave: str | None = None       # the one field an autosave covers ("completed" for the mark alone)
    action: RowAction | None = None   # add, pick, remove or move a row
    fragment: bool = False            # an htmx request: the rest of the form was autosaved already
    picked: tuple[str, ...] = ()      # the catalogue entries a "pick" adds
    editor_token: str | None = None   # identifies the page's own earlier saves
    bases: dict[str, str] | None = None  # what each field held when the page loaded it (merge.field_base)
    settle: dict[str, str] = dataclass_field(default_factory=dict)  # a conflict settled: "take" or "combine"

    def fields_in_scope(self, section: Section) -> list[str]:
        """What one save covers: the autosaved field, the group of a row action (htmx has saved the rest), or
        every field of the section."""
        if self.autosave is not None:
            return [] if self.autosave == "completed" else [self.autosave]
        if self.action is not None and self.fragment:
            return [self.action.field_id]
        return [f.id for f in section.fields]


@dataclass
class SectionPage:
    """One section of one version, and the form posted for it."""
    template: PlanTemplate
    version: PlanVersion
    section: Section
    form: Any

    def lock(self) -> int | None:
        raw = self.form.lock.data or ""
        return int(raw) if raw.isdigit() else None


@dataclass
class Outcome:
    kind: str
    field_ids: list[str] = dataclass_field(default_factory=list)
    clashes: list[str] = dataclass_field(default_factory=list)  # a conflict's answers both sides changed


def save_post(page: SectionPage, post: SectionPost, user: User) -> Outcome:
    """Validate the post against the section form and, when it is valid, save it; messages for the person are
    left on the form's fields."""
    field_ids = post.fields_in_scope(page.section)
    completed = _completed_answer(page.form, post)
    # Validate every field in scope (not all(), which would stop at the first) so each gets its message.
    valid = all([wizard.validate_field(page.form, field) for field in map(page.section.field, field_ids) if field])
    values = wizard.values_from_form(page.template, page.section, page.form, field_ids) if valid else {}
    if valid and post.action is not None:
        valid = _apply_row_action(page, values, post)
    if valid and post.settle:
        valid = _settle(page, values, post.settle)
    if valid and completed and post.action is None:
        # A row action leaves the mark as it is: adding a row to a completed section must work (the task list
        # then says the section needs attention until the row is answered), as it does with JavaScript.
        valid = _check_complete(page, values)
    if not valid:
        return Outcome(INVALID, field_ids)
    try:
        changed = wizard.save_section(page.template, page.version, page.section, values, page.lock(), user,
                                      completed, editor_token=post.editor_token, bases=post.bases)
    except wizard.SaveConflict as conflict:
        return Outcome(CONFLICT, field_ids, conflict.fields)
    except wizard.NotEditable:
        return Outcome(NOT_EDITABLE, field_ids)
    if changed:
        _render_once_settled(page.version)
    return Outcome(SAVED, field_ids)


def _render_once_settled(version: PlanVersion) -> None:
    # Only a head start for the next download: whatever goes wrong here must never touch the save itself.
    try:
        preparation.settle_later(version, previous_save=merge.previous_save_at(version))
    except Exception:
        db.session.rollback()
        log.warning("the background render of version %s was not scheduled", version.id, exc_info=True)


def _completed_answer(form, post: SectionPost) -> bool | None:
    if post.fragment and post.autosave != "completed":
        return None
    return {"yes": True, "no": False}.get(form.completed.data)


def _apply_row_action(page: SectionPage, values: dict, post: SectionPost) -> bool:
    field = page.section.field(post.action.field_id)
    try:
        values[field.id] = wizard.apply_row_action(page.template, field, values.get(field.id), post.action,
                                                   post.picked) or None
    except wizard.RowLimitReached:
        page.form[field.id].errors = [_("There can be at most %(limit)s rows here; remove one to add another.",
                                        limit=field.max_rows)]
        return False
    except wizard.NothingPicked:
        page.form[field.id].errors = [_("Nothing was added: tick one or more in the list first.")]
        return False
    except wizard.RowGone:
        page.form[field.id].errors = [_("That row is no longer in the list (it may have been removed in another "
                                        "window), so nothing was changed.")]
        return False
    return True


def _settle(page: SectionPage, values: dict, settle: dict[str, str]) -> bool:
    """After a conflict: "take theirs" leaves the stored answer as it is; "both in the box" saves the person's
    text and the colleague's together, for the person to edit into one."""
    stored = (page.version.content or {}).get(page.section.id) or {}
    for field_id, how in settle.items():
        if field_id not in values:
            continue
        if how == clashes.TAKE:
            del values[field_id]
            continue
        field = page.section.field(field_id)
        if field.type != "long_text":
            continue  # only free text goes in one box; any other answer is kept as the person chose it
        both = clashes.combined(field, values[field_id], stored.get(field_id))
        if both is None:
            page.form[field_id].errors = [_("Together the two texts are longer than this answer may be: copy "
                                            "what you need from theirs into your text, then keep yours.")]
            return False
        values[field_id] = both
    return True


def _check_complete(page: SectionPage, values: dict) -> bool:
    section, form = page.section, page.form
    merged = {**(page.version.content or {}).get(section.id, {}), **values}
    missing = missing_required(page.template, {section.id: merged}, section)
    for unanswered in missing:
        for slot in _missing_slots(form, unanswered, merged.get(unanswered.id)):
            slot.errors = [*slot.errors, _("Answer this before marking the section as completed.")]
    if missing:
        form.completed.errors = [_("The section is not marked as completed: some answers are still missing. "
                                   "They are marked above.")]
    return not missing


def _missing_slots(form, field, value) -> list:
    """Where to say that an answer is missing: the field itself, or for rows exactly the inputs left empty in
    them (not the whole group), so the message names the row and the field."""
    if not field.is_group or field.kind.too_few_rows(field, value):
        return [form[field.id]]
    entries = form[field.id].entries
    return [entries[index].form[sub.id] for index, sub in field.kind.missing_cells(field, value)
            if index < len(entries)] or [form[field.id]]
