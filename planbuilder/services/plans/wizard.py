"""The wizard's logic: section statuses, turning forms into content and back, saving without lost updates."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...fields.group import new_row_id
from ...fields.honest import KINDS as HONEST_KINDS
from ...fields.honest import honest_answer, honest_names, honest_text, honest_value
from ...models import PlanVersion, User, VersionStatus, utcnow
from ...plan_templates import Field, PlanTemplate, Section
from ..mail import messages as mail
from ..people import audit
from .content import content_problems, is_empty, is_section_started, missing_required, section_values
from .merge import SAVE_LOG_LENGTH, SaveConflict, fields_to_write


class SectionStatus(StrEnum):
    """A section's place on the task list."""
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NEEDS_ATTENTION = "needs_attention"  # marked completed, but a required answer has gone missing since
    TO_REVIEW = "to_review"  # a revision's section nobody has yet confirmed as still valid or changed


NOT_STARTED, IN_PROGRESS, COMPLETED = SectionStatus.NOT_STARTED, SectionStatus.IN_PROGRESS, SectionStatus.COMPLETED
NEEDS_ATTENTION, TO_REVIEW = SectionStatus.NEEDS_ATTENTION, SectionStatus.TO_REVIEW
REVIEW_PENDING, REVIEW_CONFIRMED, REVIEW_CHANGED = "pending", "confirmed", "changed"


class NotEditable(Exception):
    """The version is not a draft (it is in review, adopted or superseded)."""


class InvalidContent(Exception):
    """A save would store content that does not fit the template (a safety net behind form validation)."""


class SectionsToReview(Exception):
    """A revision cannot be submitted while sections still wait to be confirmed or changed (.sections)."""

    def __init__(self, sections: list[Section]):
        super().__init__(", ".join(s.id for s in sections))
        self.sections = sections


# --- statuses -------------------------------------------------------------------------------------------------

def section_state(version: PlanVersion, section: Section) -> dict[str, Any]:
    return (version.section_state or {}).get(section.id, {})


def section_status(template: PlanTemplate, version: PlanVersion, section: Section) -> str:
    if section_state(version, section).get("review") == REVIEW_PENDING:
        return TO_REVIEW
    if section_state(version, section).get("completed"):
        return NEEDS_ATTENTION if missing_required(template, version.content, section) else COMPLETED
    return IN_PROGRESS if is_section_started(version.content, section) else NOT_STARTED


@dataclass(frozen=True)
class TaskListItem:
    section: Section
    number: int | None  # as the document numbers it; None for a foreword
    status: str
    missing: list[Field]

    @property
    def optional(self) -> bool:
        """Nothing in the section must be answered: the plan can be submitted with it left empty."""
        return not any(field.required for field in self.section.fields)


def task_list(template: PlanTemplate, version: PlanVersion) -> list[TaskListItem]:
    return [TaskListItem(section, template.section_number(section.id), section_status(template, version, section),
                         missing_required(template, version.content, section))
            for section in template.sections]


def completed_count(items: list[TaskListItem]) -> int:
    return sum(1 for item in items if item.status == COMPLETED)


@dataclass(frozen=True)
class MissingAnswer:
    """One required answer still missing: a field, or one input of one row of a group (named by row number)."""
    section: Section
    field: Field
    row: int | None = None
    sub: Field | None = None

    @property
    def anchor(self) -> str:
        """The id of the input (or the group's box) on the section page."""
        if self.sub is not None:
            return f"{self.field.id}-{self.row - 1}-{self.sub.id}"
        return self.field.id + ("-group" if self.field.is_group else "")


def everything_missing(template: PlanTemplate, version: PlanVersion) -> list[MissingAnswer]:
    found = []
    for section in template.sections:
        values = section_values(version.content or {}, section)
        for field in missing_required(template, version.content, section):
            value = values.get(field.id)
            if field.is_group and not field.kind.too_few_rows(field, value):
                found += [MissingAnswer(section, field, index + 1, sub)
                          for index, sub in field.kind.missing_cells(field, value)]
            else:
                found.append(MissingAnswer(section, field))
    return found


def review_mark(version: PlanVersion, section: Section) -> str | None:
    """In a revision: "pending", "confirmed" (still valid) or "changed"; None for a first version."""
    return section_state(version, section).get("review")


def sections_to_review(template: PlanTemplate, version: PlanVersion) -> list[Section]:
    return [section for section in template.sections if review_mark(version, section) == REVIEW_PENDING]


# --- content <-> form data ------------------------------------------------------------------------------------

def form_data(template: PlanTemplate, section: Section, values: dict[str, Any]) -> dict[str, Any]:
    """Stored section values as the data a section form is built with (a value of an earlier shape read as
    the field's type reads it now; an honest answer in its own two inputs)."""
    data = {}
    for field in section.fields:
        value = values.get(field.id)
        data[field.id] = field.kind.to_form(field, field.kind.read(field, value, template))
        answer = honest_answer(value) if field.honest else None
        if answer:
            data.update(zip(honest_names(field), answer))
    return data


def values_from_form(template: PlanTemplate, section: Section, form, field_ids: list[str]) -> dict[str, Any]:
    """The content values of the named fields, taken from a validated form: an honest answer where one is
    chosen (whatever the field's own input holds), else the field's own value."""
    values = {}
    for field in filter(None, (section.field(field_id) for field_id in field_ids)):
        chosen = honest_choice(form, field)
        values[field.id] = (honest_value(chosen, form[honest_names(field)[1]].data) if chosen
                            else field.kind.from_form(field, form[field.id].data, template))
    return values


def honest_choice(form, field: Field) -> str | None:
    """The honest answer picked for a field on the form, or None when the field is answered itself."""
    if not field.honest:
        return None
    chosen = form[honest_names(field)[0]].data
    return chosen if chosen in HONEST_KINDS else None


def validate_field(form, field: Field) -> bool:
    """Validate one field's inputs: its honest answer's when one is chosen (the field's own input is then
    ignored), else the field itself."""
    if honest_choice(form, field):
        return all([form[name].validate(form) for name in honest_names(field)])
    return form[field.id].validate(form)


def honest_answers(template: PlanTemplate, content: dict) -> list[tuple[Section, Field, str]]:
    """Every answer given as "not known yet" or "not applicable": (section, field, how it reads)."""
    found = []
    for section in template.sections:
        values = (content or {}).get(section.id) or {}
        for field in section.fields:
            answer = honest_answer(values.get(field.id)) if field.honest else None
            if answer:
                found.append((section, field, honest_text(*answer)))
    return found


# --- repeating groups: add, pick from catalogue, remove, move -------------------------------------------------

@dataclass(frozen=True)
class RowAction:
    verb: str  # add | pick | remove | up | down
    field_id: str
    row_id: str | None = None

    @classmethod
    def parse(cls, raw: str | None) -> RowAction | None:
        parts = (raw or "").split(":")
        if len(parts) == 2 and parts[0] in ("add", "pick"):
            return cls(parts[0], parts[1])
        if len(parts) == 3 and parts[0] in ("remove", "up", "down"):
            return cls(parts[0], parts[1], parts[2])
        return None


class RowLimitReached(Exception):
    pass


class RowGone(Exception):
    """A move or removal of a row the list does not hold (removed meanwhile, or a tampered id)."""


class NothingPicked(Exception):
    """"Add selected" with no catalogue entry ticked."""


def apply_row_action(template: PlanTemplate, field: Field, rows: list[dict] | None, action: RowAction,
                     picked: tuple[str, ...] = ()) -> list[dict]:
    rows = list(rows or [])
    if action.verb in ("add", "pick"):
        new_rows = [{}] if action.verb == "add" else _picked_rows(template, field, rows, picked)
        if new_rows and len(rows) + len(new_rows) > field.max_rows:
            raise RowLimitReached()
        return rows + [{"_id": new_row_id(), **values} for values in new_rows]
    index = next((i for i, row in enumerate(rows) if row["_id"] == action.row_id), None)
    if index is None:
        raise RowGone()
    if action.verb == "remove":
        del rows[index]
    elif action.verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif action.verb == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def _picked_rows(template: PlanTemplate, field: Field, rows: list[dict], picked: tuple[str, ...]) -> list[dict]:
    """The rows the ticked catalogue entries start, in the catalogue's order, each entry once; an entry the list
    has already (added meanwhile in another tab) is not added again."""
    ticked = set(picked)
    entries = [entry for entry in template.catalogues.get(field.catalogue or "", []) if entry.id in ticked]
    if not entries:
        raise NothingPicked()
    taken = {row.get("_ref") for row in rows}
    return [{"_ref": entry.id, **{k: v for k, v in entry.values().items() if field.subfield(k) and v}}
            for entry in entries if entry.id not in taken]


# --- saving ---------------------------------------------------------------------------------------------------

def _log_save(version: PlanVersion, editor_token: str | None, section_id: str, user: User | None = None,
              field_ids=()) -> None:
    """[lock after the save, the page's token, the section, who, when, which answers]: see merge.py."""
    version.save_log = [*(version.save_log or [])[-(SAVE_LOG_LENGTH - 1):],
                        [version.lock_version + 1, editor_token or "", section_id, user.id if user else None,
                         utcnow().isoformat(), sorted(field_ids)]]


def save_section(template: PlanTemplate, version: PlanVersion, section: Section, values: dict[str, Any],
                 expected_lock: int | None, user: User, completed: bool | None = None,
                 editor_token: str | None = None, bases: dict[str, str] | None = None) -> bool:
    """Write the given field values (and the completed mark) if the version is still as the user saw it.

    Returns whether anything changed. Raises SaveConflict when someone else changed what this save would write
    (see _fields_to_write), NotEditable for a version that is not a draft; in both cases nothing is written.
    """
    for _attempt in range(3):
        try:
            return _save_once(template, version, section, values, expected_lock, user, completed, editor_token,
                              bases)
        except StaleDataError:
            # Another request committed between our read and our write. It may have been this same page's
            # previous save (still in flight when this one left), so decide again on the fresh row.
            db.session.rollback()
    raise SaveConflict()


def _save_once(template, version, section, values, expected_lock, user, completed, editor_token,
               bases=None) -> bool:
    # Saves of one version take their turn (a row lock on PostgreSQL; SQLite writes one at a time anyway), so
    # each decides on what the one before it wrote instead of failing on the version counter: 25 people saving
    # one plan at once made three retries run out, and the person was told of a conflict that was none.
    db.session.refresh(version, with_for_update=True)
    if version.status != VersionStatus.DRAFT.value:
        raise NotEditable()
    values = fields_to_write(version, section, values, bases, expected_lock, editor_token)
    content = copy.deepcopy(version.content or {})
    section_values = dict(content.get(section.id) or {})
    before = dict(section_values)
    for field_id, value in values.items():
        if is_empty(value):
            section_values.pop(field_id, None)
        else:
            section_values[field_id] = value
    content[section.id] = section_values
    if not section_values:
        content.pop(section.id)
    states = copy.deepcopy(version.section_state or {})
    if completed is not None:
        states.setdefault(section.id, {})["completed"] = completed
    if states.get(section.id, {}).get("review") and content.get(section.id) != (version.content or {}).get(section.id):
        states[section.id]["review"] = REVIEW_CHANGED  # a revision's section the editor has changed
    if content == version.content and states == (version.section_state or {}):
        return False
    problems = content_problems(template, content)
    if problems:
        raise InvalidContent("; ".join(problems))
    # The audit trail names the answers that changed (a page sends what it holds, changed or not) and a change
    # of the completion mark; a save that changed nothing has returned above and leaves no line.
    changed = sorted(field_id for field_id in values if before.get(field_id) != section_values.get(field_id))
    mark = {"completed": completed} if states != (version.section_state or {}) and completed is not None else {}
    # One UPDATE of the version: a flush half-way (reading the user again after a retry's rollback) would count
    # the lock twice but log one save, and every colleague's next save would be refused as a conflict.
    with db.session.no_autoflush:
        version.content = content
        version.section_state = states
        _log_save(version, editor_token, section.id, user, values)
        version.updated_by_id = user.id
        version.updated_at = utcnow()
    audit.record("section.edit", user_id=user.id, municipality_id=version.plan.municipality_id, obj=version,
                 section=section.id, fields=changed, **mark)
    _commit_keeping_own_lock(version)
    return True


def _commit_keeping_own_lock(version: PlanVersion) -> None:
    """Commit, and keep showing what this save wrote: nothing the request loaded is read again afterwards.

    After a plain commit SQLAlchemy would read the row again on the next access and could return a newer counter
    from someone else's save; a page handed that counter would believe it had seen their change. Reading the
    version, the person and their access again also cost the reply a transaction of its own: seven round trips
    to PostgreSQL for every autosave.
    """
    session = db.session()  # the request's own session, behind the scoped proxy
    session.expire_on_commit = False
    try:
        db.session.commit()
    finally:
        session.expire_on_commit = True


def confirm_still_valid(version: PlanVersion, section: Section, user: User) -> None:
    """A revision's section is confirmed unchanged ("still valid"), so it no longer waits for review."""
    if version.status != VersionStatus.DRAFT.value:
        raise NotEditable()
    states = copy.deepcopy(version.section_state or {})
    state = states.setdefault(section.id, {})
    if state.get("review") != REVIEW_PENDING:
        return  # a first version, or already confirmed or changed: nothing to do
    state["review"] = REVIEW_CONFIRMED
    state["completed"] = True
    # Who vouched for the section, and when: the comparison and the council's annex say so.
    state["confirmed_by_id"], state["confirmed_at"] = user.id, utcnow().isoformat()
    version.section_state = states
    _log_save(version, None, section.id, user)
    version.updated_by_id = user.id
    version.updated_at = utcnow()
    audit.record("section.confirm", user_id=user.id, municipality_id=version.plan.municipality_id, obj=version,
                 section=section.id)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise SaveConflict() from None


def submit_for_review(template: PlanTemplate, version: PlanVersion, user: User, *, notify: bool = True) -> None:
    """Send the draft to review; its reviewers are told by mail (`notify`), sent once this commits."""
    if version.status != VersionStatus.DRAFT.value:
        raise NotEditable()
    if everything_missing(template, version):
        raise InvalidContent("required answers are missing")
    pending = sections_to_review(template, version)
    if pending:
        raise SectionsToReview(pending)
    version.status = VersionStatus.IN_REVIEW.value
    version.submitted_at = utcnow()
    audit.record("version.submit", user_id=user.id, municipality_id=version.plan.municipality_id, obj=version)
    if notify:
        mail.submitted_for_review(version)
    db.session.commit()
