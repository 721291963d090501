"""A section page's parts shared by the wizard's routes and replies: what the page template needs, its error
list, a fresh form from what is stored, and what a posted form says beyond its answers (bases, settled
conflicts)."""
from __future__ import annotations

import secrets

from flask import request
from wtforms.widgets import TextArea, TextInput

from ..fields.honest import REASON_SUFFIX
from ..section_forms import section_form_class
from ..services.plans import clashes, follow_up, merge, revisions, wizard
from ..templating import row_title


def section_context(scoped, version, template, section, form, **extra):
    """Everything section.html and its fragments need, built in one place so no route forgets a part."""
    index = template.section_index(section.id)
    return {
        "plan": scoped.plan, "access": scoped.access, "version": version, "template": template,
        "section": section, "form": form, "number": template.section_number(section.id),
        "previous": template.sections[index - 1] if index > 0 else None,
        "next": template.sections[index + 1] if index + 1 < len(template.sections) else None,
        "editable": scoped.access.can_edit and version.is_editable,
        "section_status": wizard.section_status(template, version, section),
        "review_mark": wizard.review_mark(version, section),
        "dropped": revisions.dropped_notes(version).get(section.id, []),
        "carried": follow_up.carried_notes(version, template).get(section.id, []),
        "errors": error_list(form, section),
        "returning_to_check": request.args.get("from") == "check",
        # Identifies this page's saves (see merge.only_own_saves_since); kept across a re-render.
        "editor_token": request.form.get("editor_token") or secrets.token_hex(16),
        "bases": merge.field_bases(version, section),
        **extra,
    }


def _row_inputs(field, section):
    """(input id, what a person calls it, input) for each input of a group's rows: "Miljö 2: Förekomst"."""
    row_name = row_title(section.field(field.name))
    for number, row in enumerate(field.entries, start=1):
        yield from ((sub.id, f"{row_name} {number}: {sub.label.text}", sub) for sub in row.form)


def _inputs(form, section):
    for field in form:
        if field.type == "FieldList":
            yield from _row_inputs(field, section)
        else:
            yield field.id, field.label.text, field


def unsaved_texts(posted, stored, section) -> list[tuple[str, str]]:
    """(label, text) of each text the person typed that differs from what is stored: what a refused page without
    JavaScript hands back to be copied, since the fields it draws show the stored answers."""
    kept = {input_id: field.data for input_id, _label, field in _inputs(stored, section)}
    return [(label, field.data) for input_id, label, field in _inputs(posted, section)
            if isinstance(field.widget, (TextInput, TextArea)) and isinstance(field.data, str)
            and field.data.strip() and field.data != kept.get(input_id)]


def error_list(form, section) -> list[tuple[str, str]]:
    """(input id, message) pairs for the error summary, rows included: a row's message names the row by its
    number ("Remissinstans 2: Yttrandet kom in – …") and links to exactly that input."""
    found = []
    for field in form:
        if field.type == "FieldList":
            found += [(input_id, f"{label} – {sub.errors[0]}") for input_id, label, sub in _row_inputs(field, section)
                      if sub.errors]
            found += [(f"{field.id}-group", f"{field.label.text} – {message}")
                      for message in field.errors if isinstance(message, str)]
        elif field.errors:
            found.append((field.id, f"{field.label.text} – {field.errors[0]}"))
    return found


def error_slots(form, field_ids):
    """Every error slot an autosave touches: the field's own, and each sub-field's for a group."""
    slots = []
    for field_id in field_ids:
        field = form[field_id]
        slots.append(field)
        reason = field_id + REASON_SUFFIX
        if reason in form:  # an honest answer's reason has a slot of its own
            slots.append(form[reason])
        if field.type == "FieldList":
            slots += [sub for row in field.entries for sub in row.form if sub.name.split("-")[-1] not in
                      ("row_id", "row_ref", "row_verified")]
    return slots


def stored_completion(version, section) -> str | None:
    """The stored answer to "Have you completed this section?" as the form's radio value."""
    return {True: "yes", False: "no"}.get(wizard.section_state(version, section).get("completed"))


def fresh_form(template, section, version):
    form_class = section_form_class(template, section)
    data = wizard.form_data(template, section, (version.content or {}).get(section.id) or {})
    data.update(lock=version.lock_version, completed=stored_completion(version, section))
    return form_class(formdata=None, data=data)


BASE_PREFIX = "_base-"  # a hidden input per field: what it held when the page loaded it
KEEP_PREFIX = "_keep-"  # "keep my text" after a conflict: the base the person chose to save over
COMBINE_PREFIX = "_combine-"  # "both in the box" after a conflict: as "keep", with the colleague's text added
TAKE_PREFIX = "_take-"  # "take theirs" after a conflict: the stored answer stays


MAX_BASE_LENGTH = 4000  # a group's base names each of its rows (at most 50 by default, ~50 characters each)


def posted_bases_of(form) -> dict[str, str] | None:
    bases = {key[len(BASE_PREFIX):]: value[:MAX_BASE_LENGTH] for key, value in form.items()
             if key.startswith(BASE_PREFIX)}
    bases.update({key.split("-", 1)[1]: value[:MAX_BASE_LENGTH] for key, value in form.items()
                  if key.startswith((KEEP_PREFIX, COMBINE_PREFIX))})
    return bases or None


def settled_conflicts(form) -> dict[str, str]:
    settle = {key[len(TAKE_PREFIX):]: clashes.TAKE for key in form if key.startswith(TAKE_PREFIX)}
    return {**settle, **{key[len(COMBINE_PREFIX):]: clashes.COMBINE for key in form if key.startswith(COMBINE_PREFIX)}}
