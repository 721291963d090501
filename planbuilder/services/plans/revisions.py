"""The annual revision: a new draft copied from the adopted version, on the template's current revision.

What no longer fits the template is left out with a note per section. A note is kept in the version's
section_state as a message key with its parameters, not as a sentence, so each reader sees it in their own
language (note_text); notes stored as sentences by earlier releases are shown as they were written.
"""
from __future__ import annotations

import copy
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ...clock import local_today
from ...extensions import db
from ...fields.base import N_
from ...fields.group import ROW_ID, new_row_id
from ...models import Plan, PlanVersion, User
from ...plan_templates import Field, PlanTemplate
from ..people import audit
from . import follow_up
from .content import is_empty, message_text, missing_required, value_problem
from .labels import next_label
from .plans import template_for, versions_of
from .versions import DRAFT, VersionError, adopted_version, commit_version, status_text, working_version
from .wizard import REVIEW_PENDING

# What a note can say besides a value's problem (a field type's message): that the template dropped something.
NOTE_MESSAGES = {
    "section_gone": N_("The section is no longer part of the template."),
    "field_gone": N_("no longer part of the template"),
    "rows_over_limit": N_("the rows after number %(limit)s (the template's limit) were left out"),
}


def _note(problem: str, params: dict[str, Any] | None = None, field: str | None = None,
          row: int | None = None, cell: str | None = None) -> dict[str, Any]:
    """A note as section_state keeps it: which field (its label), which row and cell, the message key."""
    note: dict[str, Any] = {"problem": problem}
    if params:
        note["params"] = params
    if field is not None:
        note["field"] = field
    if row is not None:
        note.update(row=row, cell=cell)
    return note


def note_text(note: Any) -> str:
    """A note in the reader's language: "Planens syfte: is longer than 50 characters", translated."""
    if isinstance(note, str):  # written as a sentence by an earlier release, in its writer's language
        return note
    if not isinstance(note, dict):
        return str(note)
    code = str(note.get("problem"))
    problem = message_text(code, note.get("params"), messages=NOTE_MESSAGES if code in NOTE_MESSAGES else None)
    if note.get("row") is not None:
        return _("%(field)s › row %(number)s › %(key)s: %(problem)s", field=note.get("field", ""),
                 number=note["row"], key=note.get("cell") or "", problem=problem)
    if note.get("field"):
        return _("%(field)s: %(problem)s", field=note["field"], problem=problem)
    return problem


def _carry_rows(template: PlanTemplate, field: Field, rows) -> tuple[list, list[dict]]:
    """Rows that still fit, cell by cell; a cell or catalogue link that no longer fits is left out."""
    notes, kept, seen = [], [], set()
    for number, row in enumerate(rows if isinstance(rows, list) else [], start=1):
        if not isinstance(row, dict):
            continue
        row_id = row.get("_id")
        new_row = {"_id": row_id if isinstance(row_id, str) and ROW_ID.match(row_id) and row_id not in seen
                   else new_row_id()}
        seen.add(new_row["_id"])
        if row.get("_ref") and template.catalogue_entry(field.catalogue or "", row["_ref"]):
            new_row["_ref"] = row["_ref"]
        for key, value in row.items():  # `_verified` is not carried: a revision checks its numbers again
            if key.startswith("_") or is_empty(value):
                continue
            sub = field.subfield(key)
            if sub is None:
                notes.append(_note("field_gone", field=field.label, row=number, cell=key))
            elif problem := value_problem(sub, value, template):
                notes.append(_note(problem.code, problem.params, field=field.label, row=number, cell=sub.label))
            else:
                new_row[key] = value
        kept.append(new_row)
    if len(kept) > field.max_rows:
        notes.append(_note("rows_over_limit", {"limit": field.max_rows}, field=field.label))
        kept = kept[:field.max_rows]
    return kept, notes


def carry_over(template: PlanTemplate, content: dict) -> tuple[dict, dict[str, list[dict]]]:
    """The content of an adopted version as it fits the template's current revision.

    What still fits is kept exactly (rows keep their identity, so the comparison matches them); what no longer
    fits — a section or field the template dropped, an option it removed, a text over a new limit — is left
    out, with a note per section. The adopted version itself keeps all of it.
    """
    kept: dict = {}
    notes: dict[str, list[dict]] = {}
    for section_id, values in (content or {}).items():
        section = template.section(section_id)
        if section is None or not isinstance(values, dict):
            notes.setdefault(section_id, []).append(_note("section_gone"))
            continue
        for field_id, value in values.items():
            field_def = section.field(field_id)
            if is_empty(value):
                continue
            if field_def is None:
                notes.setdefault(section_id, []).append(_note("field_gone", field=field_id))
            elif field_def.is_group:
                # an earlier shape (support lines stored as entry ids) becomes rows in the new draft
                rows, row_notes = _carry_rows(template, field_def, field_def.kind.read(field_def, value, template))
                notes.setdefault(section_id, []).extend(row_notes)
                if rows:
                    kept.setdefault(section_id, {})[field_id] = rows
            elif problem := value_problem(field_def, value, template):
                notes.setdefault(section_id, []).append(_note(problem.code, problem.params, field=field_def.label))
            else:
                kept.setdefault(section_id, {})[field_id] = copy.deepcopy(value)
    return kept, {k: v for k, v in notes.items() if v}


def start_revision(plan: Plan, user: User, today: date | None = None) -> PlanVersion:
    """A new draft copied from the adopted version, on the template's current revision; every section waits
    to be confirmed as still valid or changed."""
    adopted = adopted_version(plan)
    if adopted is None:
        raise VersionError(_("Only an adopted plan can be revised, and this plan has no adopted version yet."))
    working = working_version(plan)
    if working is not None:
        raise VersionError(_("This plan already has a version in work (%(label)s, %(status)s). Finish or "
                             "withdraw it before starting another.", label=working.label,
                             status=status_text(working.status)))
    template = template_for(plan.template_id)
    content, notes = carry_over(template, adopted.content or {})
    carried = follow_up.carried_statuses(adopted, content)
    states = {section.id: {"review": REVIEW_PENDING,
                           "completed": not missing_required(template, content, section)}
              for section in template.sections}
    for section_id, section_notes in notes.items():
        states.setdefault(section_id, {})["dropped"] = section_notes
    for section_id, measures in carried.items():
        states.setdefault(section_id, {})["carried"] = measures
    version = PlanVersion(
        plan=plan, label=next_label(template, [v.label for v in versions_of(plan)], today or local_today()),
        status=DRAFT, content=content, section_state=states, template_id=template.id,
        template_revision=template.revision, based_on_id=adopted.id, created_by_id=user.id, updated_by_id=user.id,
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a colleague started one at the same moment
        db.session.rollback()
        raise VersionError(_("This plan already has a version in work; reload the page.")) from exc
    audit.record("version.revision_start", user_id=user.id, municipality_id=plan.municipality_id, obj=version,
                 based_on=adopted.id, label=version.label, template_revision=template.revision,
                 left_out=notes, carried_from_follow_up=sum(len(m) for m in carried.values()))
    commit_version(version)
    return version


def dropped_notes(version: PlanVersion) -> dict[str, list[str]]:
    """What the revision left out because the template changed, per section id, in the reader's language."""
    return {sid: [note_text(note) for note in state["dropped"]]
            for sid, state in (version.section_state or {}).items()
            if isinstance(state, dict) and isinstance(state.get("dropped"), list) and state["dropped"]}
