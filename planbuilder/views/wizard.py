"""The guided wizard: task list, section pages (with htmx autosave), check your answers, submit for review."""
from __future__ import annotations

import dataclasses

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..htmx import INVALID, is_fragment_request, render
from ..section_forms import section_form_class
from ..services.documents import preparation
from ..services.people import sessions
from ..services.people.accounts import SESSION_TOKEN
from ..services.plans import clashes, follow_up, merge, refresh, revisions, section_save, verification, versions, wizard
from ..services.plans import plans as plan_service
from ..services.plans.section_save import SectionPage, SectionPost
from ..services.plans.wizard import RowAction
from ..templating import status_label
from .scope import plan_or_404
from .section_page import (
    error_slots,
    fresh_form,
    posted_bases_of,
    section_context,
    settled_conflicts,
    stored_completion,
    unsaved_texts,
)

bp = Blueprint("wizard", __name__)
CONFLICT = 409


def _working_version(plan):
    version = plan_service.current_version(plan)
    if version is None:
        abort(404)
    return version


def _load(plan_id: int, section_id: str | None = None):
    scoped = plan_or_404(plan_id)
    version = _working_version(scoped.plan)
    template = plan_service.template_for(version.template_id)
    section = None
    if section_id is not None:
        section = template.section(section_id)
        if section is None:
            abort(404)
    return scoped, version, template, section


@bp.get("/<int:plan_id>")
@login_required
def overview(plan_id: int):
    scoped, version, template, _section = _load(plan_id)
    items = wizard.task_list(template, version)
    based_on = versions.previous_of(version) if version.based_on_id else None
    in_force = version if version.status == versions.ADOPTED else versions.adopted_version(scoped.plan)
    return render_template("wizard/overview.html", plan=scoped.plan, access=scoped.access, version=version,
                           in_force=in_force, late=follow_up.late_measures(in_force),
                           template=template, items=items, completed=wizard.completed_count(items),
                           editable=scoped.access.can_edit and version.is_editable, based_on=based_on,
                           to_review=wizard.sections_to_review(template, version),
                           dropped=revisions.dropped_notes(version),
                           can_revise=scoped.access.can_edit and version.status == versions.ADOPTED,
                           review=versions.review_status(scoped.plan))


@bp.route("/<int:plan_id>/sections/<section_id>", methods=["GET", "POST"])
@login_required
def section(plan_id: int, section_id: str):
    scoped, version, template, section = _load(plan_id, section_id)
    if request.method == "GET":
        form = fresh_form(template, section, version)
        return render_template("wizard/section.html", guidance_open=_first_visit(template, section),
                               presence=_presence(plan_id, section_id),
                               **section_context(scoped, version, template, section, form))
    if not scoped.access.can_edit:
        abort(403)
    post = _section_post()
    if post.autosave not in (None, "completed") and section.field(post.autosave) is None:
        return render("wizard/_autosave.html", "wizard/_autosave.html", status=400, version=None, slots=[],
                      message=_("Not saved: this field is not part of the section; reload the page."),
                      failed=True)
    if post.action is not None and not getattr(section.field(post.action.field_id), "is_group", False):
        abort(400)
    page = SectionPage(template, version, section, section_form_class(template, section)(request.form))
    outcome = section_save.save_post(page, post, current_user)
    return _REPLIES[outcome.kind](scoped, page, post, outcome)


MAX_PICKED = 200  # more ticks than any catalogue has entries are not read


@bp.get("/<int:plan_id>/sections/<section_id>/presence")
@login_required
def presence(plan_id: int, section_id: str):
    """Who else has the section open, polled by the open page (a request that keeps no session alive); with the
    page's bases, also each answer stored differently since, drawn afresh for the page to put in (refresh.py)."""
    scoped, version, template, section = _load(plan_id, section_id)
    if not is_fragment_request():
        return redirect(url_for("wizard.section", plan_id=plan_id, section_id=section_id), 303)
    outdated = refresh.outdated(version, section, posted_bases_of(request.args) or {})
    context = outdated and section_context(scoped, version, template, section,
                                            fresh_form(template, section, version), outdated=outdated)
    return render_template("wizard/_presence.html", plan_id=plan_id, section_id=section_id,
                           presence=_presence(plan_id, section_id), **(context or {}))


def _presence(plan_id: int, section_id: str) -> list:
    where = f"{plan_id}/{section_id}"
    sessions.mark_viewing(session.get(SESSION_TOKEN), where)
    return sessions.others_viewing(current_user, where)


def _first_visit(template, section) -> bool:
    """Whether this browser session opens the section for the first time: its guidance is then shown open, and
    folded on later visits (one click opens it again), so it stops pushing the questions down the page."""
    key = f"{template.id}/{section.id}"
    seen = session.get("guidance_seen", [])
    if key in seen:
        return False
    session["guidance_seen"] = [*seen, key][-GUIDANCE_SEEN_KEPT:]
    return True


GUIDANCE_SEEN_KEPT = 60  # sections remembered; keeps the cookie small


def _section_post() -> SectionPost:
    action = RowAction.parse(request.form.get("_action"))
    return SectionPost(autosave=request.form.get("_autosave"), action=action, fragment=is_fragment_request(),
                       picked=tuple(request.form.getlist(f"{action.field_id}-pick"))[:MAX_PICKED] if action else (),
                       editor_token=request.form.get("editor_token", "")[:64] or None,
                       bases=posted_bases_of(request.form), settle=settled_conflicts(request.form))


# Tells the page's script that a refusal put the stored answer back on the screen, so leaving need not ask.
SCREEN_RESTORED = "X-Planbuilder-Restored"


def _invalid_reply(scoped, page, post, outcome):
    field_ids = outcome.field_ids
    if post.fragment and post.autosave is not None:
        slots, completion = error_slots(page.form, field_ids), {}
        if post.autosave == "completed":
            # The mark was refused: each missing answer is marked, and the tick goes back to what is stored.
            missing = [field.id for field in page.section.fields if page.form[field.id].errors]
            slots = [page.form.completed, *error_slots(page.form, missing)]
            completion = {"completion": page.form.completed,
                          "completion_stored": stored_completion(page.version, page.section)}
        reply = render("wizard/_autosave.html", "wizard/_autosave.html", status=INVALID, version=page.version,
                       slots=slots, failed=True, message=_("Not saved – check the message next to the field."),
                       **completion)
        if completion:
            reply.headers[SCREEN_RESTORED] = "1"  # the page shows what is stored again: nothing left unsaved
        return reply
    context = section_context(scoped, page.version, page.template, page.section, page.form,
                               bases=_posted_bases(page, post))
    if post.fragment and post.action is not None:
        return render("wizard/section.html", "wizard/_group_update.html", status=INVALID,
                      field=page.section.field(post.action.field_id), failed=True,
                      message=_("Not saved – check the message in the list."), **context)
    return render_template("wizard/section.html", **context), INVALID


def _conflict_reply(scoped, page, post, outcome):
    if outcome.clashes:
        return _clash_reply(scoped, page, post, outcome.clashes)
    message = _("Not saved: this plan was changed in another window or by a colleague since you opened this "
                "page. Your text is still on the screen – copy it if you need it, then reload the page to see "
                "the latest version.")
    if post.fragment:
        return render("wizard/_autosave.html", "wizard/_autosave.html", status=CONFLICT, version=None,
                      slots=[], message=message, failed=True, conflict=True)
    context = section_context(scoped, page.version, page.template, page.section, page.form, conflict=message)
    return render_template("wizard/section.html", **context), CONFLICT


def _clash_reply(scoped, page, post, field_ids):
    """Answers a colleague changed meanwhile, and this page too: each shows the person's text and the colleague's
    side by side, with "keep mine", "take theirs" and (free text) "both in the box"; nothing of either is lost,
    and nothing is saved until the person chooses."""
    typed = wizard.values_from_form(page.template, page.section, page.form, field_ids)
    url = url_for("wizard.section", plan_id=page.version.plan_id, section_id=page.section.id)
    found = [dataclasses.replace(clash, url=url) for clash in clashes.clashes_of(
        page.template, page.version, page.section, typed, post.bases or {}, field_ids)]
    for clash in found:
        page.form[clash.field_id].errors = [_("A colleague saved another answer here since you opened the page. "
                                              "Your text is kept on the screen, not saved: choose what to keep.")]
        page.form[clash.field_id].clash = clash
    message = _("Not saved: a colleague changed this answer meanwhile – see the message next to it.")
    if post.fragment:
        return render("wizard/_autosave.html", "wizard/_autosave.html", status=CONFLICT, version=None,
                      slots=error_slots(page.form, field_ids), message=message, failed=True, keep=found)
    context = section_context(scoped, page.version, page.template, page.section, page.form, conflict=message,
                               bases=_posted_bases(page, post), keep=found)
    return render_template("wizard/section.html", **context), CONFLICT


def _posted_bases(page, post) -> dict[str, str]:
    """The bases the page was sent with (what it had loaded), for a page shown again with the person's text."""
    return {**merge.field_bases(page.version, page.section), **(post.bases or {})}


def _not_editable_reply(scoped, page, post, outcome):
    if post.fragment:
        return _not_editable(page.version, post.fragment)
    # Submitted (or adopted) while the person typed: the page shows the stored answers, and hands back what they
    # typed to copy, rather than leading away from it (a redirect threw it away).
    stored = fresh_form(page.template, page.section, page.version)
    context = section_context(scoped, page.version, page.template, page.section, stored,
                              conflict=_not_editable_message(page.version),
                              unsaved=unsaved_texts(page.form, stored, page.section))
    return render_template("wizard/section.html", **context), CONFLICT


def _not_editable_message(version) -> str:
    return _("This version can no longer be changed (status: %(status)s).", status=status_label(version.status))


def _not_editable(version, fragment):
    message = _not_editable_message(version)
    if fragment:
        return render("wizard/_autosave.html", "wizard/_autosave.html", status=CONFLICT, version=None,
                      slots=[], message=message, failed=True)
    flash(message, "error")
    return redirect(url_for("wizard.overview", plan_id=version.plan_id), 303)


def _saved_reply(scoped, page, post, outcome):
    field_ids = outcome.field_ids
    version, template, section = page.version, page.template, page.section
    saved_at = _("Saved %(time)s", time=format_time(version.updated_at, "HH:mm"))  # 24-hour, as the dates
    if post.fragment:
        if post.action is not None:
            # Rows moved or appeared: re-render the group from what is stored now.
            context = section_context(scoped, version, template, section, fresh_form(template, section, version))
            return render("wizard/section.html", "wizard/_group_update.html",
                          field=section.field(post.action.field_id), message=saved_at, focus_group=True,
                          opened_row=post.action.row_id, **context)
        if post.settle:
            # A conflict settled: the answer goes back on the screen as stored now (theirs, or both texts).
            context = section_context(scoped, version, template, section, fresh_form(template, section, version))
            combined = clashes.COMBINE in post.settle.values()
            reply = render("wizard/_settled.html", "wizard/_settled.html", settled=list(post.settle), **context,
                           message=_("Both texts are saved together in the box – edit them into one.")
                           if combined else saved_at)
            reply.headers[SCREEN_RESTORED] = "1"
            return reply
        # The posted form has just validated, so its error slots are the empty ones to show.
        slots = [page.form.completed] if post.autosave == "completed" else error_slots(page.form, field_ids)
        return render("wizard/_autosave.html", "wizard/_autosave.html", version=version, slots=slots,
                      message=saved_at, status_now=wizard.section_status(template, version, section),
                      new_bases=_bases_now_on_screen(page, field_ids))
    if post.action is not None:
        # Back to the rows; a trip from check your answers still leads back there.
        return redirect(url_for("wizard.section", plan_id=version.plan_id, section_id=section.id,
                                _anchor=f"{post.action.field_id}-group",
                                **({"from": "check"} if request.args.get("from") == "check" else {})), 303)
    next_url = _next_page(template, section, version.plan_id, request.form.get("_nav"))
    if next_url is None:
        flash(saved_at, "success")
        return redirect(url_for("wizard.section", plan_id=version.plan_id, section_id=section.id), 303)
    return redirect(next_url, 303)


def _bases_now_on_screen(page, field_ids) -> dict[str, str]:
    """After an autosave: the new base of each saved field whose text on the screen is what is stored now (a
    field only a colleague had changed keeps its old base, so the page never overwrites theirs unknowingly)."""
    stored = (page.version.content or {}).get(page.section.id) or {}
    typed = wizard.values_from_form(page.template, page.section, page.form, field_ids)
    return {field_id: merge.base_of(page.section.field(field_id), stored.get(field_id)) for field_id in field_ids
            if merge.field_base(stored.get(field_id)) == merge.field_base(typed.get(field_id))}


def _next_page(template, section, plan_id: int, nav: str | None) -> str | None:
    """Where "Save and continue", "Previous" and "Next" lead; None to stay on the section."""
    index = template.section_index(section.id)
    if nav == "next" and index + 1 < len(template.sections):
        return url_for("wizard.section", plan_id=plan_id, section_id=template.sections[index + 1].id)
    if nav == "previous" and index > 0:
        return url_for("wizard.section", plan_id=plan_id, section_id=template.sections[index - 1].id)
    if nav in ("next", "check"):
        return url_for("wizard.check", plan_id=plan_id)
    return None


_REPLIES = {section_save.SAVED: _saved_reply, section_save.INVALID: _invalid_reply,
            section_save.CONFLICT: _conflict_reply, section_save.NOT_EDITABLE: _not_editable_reply}


@bp.get("/<int:plan_id>/check")
@login_required
def check(plan_id: int):
    scoped, version, template, _section = _load(plan_id)
    return render_template("wizard/check.html", plan=scoped.plan, access=scoped.access, version=version,
                           template=template, missing=wizard.everything_missing(template, version),
                           to_review=wizard.sections_to_review(template, version),
                           to_verify=verification.unverified_rows(template, version.content),
                           honest=wizard.honest_answers(template, version.content or {}),
                           editable=scoped.access.can_edit and version.is_editable)


@bp.post("/<int:plan_id>/submit")
@login_required
def submit(plan_id: int):
    scoped = plan_or_404(plan_id, edit=True)
    version = _working_version(scoped.plan)
    template = plan_service.template_for(version.template_id)
    try:
        wizard.submit_for_review(template, version, current_user)
    except wizard.NotEditable:
        flash(_("This version is not a draft, so it cannot be submitted."), "error")
    except wizard.InvalidContent:
        flash(_("Some required answers are missing; they are listed below."), "error")
        return redirect(url_for("wizard.check", plan_id=plan_id), 303)
    except wizard.SectionsToReview:
        flash(_("Some sections of this revision are still to review; they are listed below."), "error")
        return redirect(url_for("wizard.check", plan_id=plan_id), 303)
    else:
        preparation.prepare_for_review(version)  # the reviewers' documents are made before anyone asks
        flash(_("The plan has been submitted for review. Editing is closed until it is withdrawn or adopted."),
              "success")
    return redirect(url_for("wizard.overview", plan_id=plan_id), 303)


@bp.post("/<int:plan_id>/sections/<section_id>/still-valid")
@login_required
def confirm_section(plan_id: int, section_id: str):
    """In a revision: the section is confirmed unchanged ("Still valid"); back to the task list."""
    scoped, version, template, section = _load(plan_id, section_id)
    if not scoped.access.can_edit:
        abort(403)
    try:
        wizard.confirm_still_valid(version, section, current_user)
    except wizard.NotEditable:
        return _not_editable(version, fragment=False)
    except wizard.SaveConflict:
        flash(_("Not saved: this plan was changed meanwhile. Check the section and try again."), "error")
        return redirect(url_for("wizard.section", plan_id=plan_id, section_id=section_id), 303)
    flash(_("“%(title)s” is confirmed as still valid.", title=section.title), "success")
    return redirect(url_for("wizard.overview", plan_id=plan_id), 303)
