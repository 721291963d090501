"""Versions: the version page (withdraw, adopt), history, annual revision, comparing two versions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import CorrectionForm, DecisionForm, LabelForm
from ..htmx import INVALID, is_fragment_request, render
from ..services.compare import diff_text
from ..services.documents import preparation
from ..services.documents import rendering as documents
from ..services.plans import corrections, labels, revision_work, revisions, signoffs, versions
from ..services.plans import plans as plan_service
from ..services.plans import publication as publishing
from ..services.plans.verification import unverified_entries
from ..services.plans.wizard import everything_missing
from .documents import Wanted, deliver
from .scope import plan_or_404, version_or_404

bp = Blueprint("versions", __name__)


def _edition() -> str:
    edition = request.args.get("edition", "internal")
    if edition not in documents.EDITIONS:
        abort(400, description=_("There is no edition '%(edition)s'; choose internal or public.",
                                 edition=edition[:40]))
    return edition


# --- the version page -----------------------------------------------------------------------------------------

def _adopt_form(template, version) -> DecisionForm:
    if request.method == "POST":
        return DecisionForm()
    return DecisionForm(formdata=None, data=versions.decision_defaults(template, version))


def _version_context(scoped, form=None, **extra) -> dict:
    """Everything show.html needs, built in one place so the adoption's error replies miss nothing."""
    version, plan = scoped.version, scoped.plan
    template = plan_service.template_for(version.template_id)
    working = versions.working_version(plan)
    hashes = versions.frozen_hashes([version]).get(version.id, {})
    return {
        "plan": plan, "access": scoped.access, "version": version, "template": template,
        "hashes": hashes, "frozen_documents": [_document_row(version, edition, sha256, f"sha256-{edition}")
                                               for edition, sha256 in sorted(hashes.items())],
        "freeze_failed": preparation.freeze_failed(version),
        "previous": versions.previous_of(version),
        "form": form or _adopt_form(template, version),
        "missing": everything_missing(template, version) if version.status == versions.IN_REVIEW else [],
        "unverified": (unverified_entries(template, version.content) if version.status == versions.IN_REVIEW
                       else []),
        "can_edit": scoped.access.can_edit,
        "can_revise": scoped.access.can_edit and version.status == versions.ADOPTED and working is None,
        "interval": template.revision_interval_months, "statutory": template.statutory_max_months,
        "signoffs": signoffs.signoffs_of(version),
        "label_form": LabelForm(formdata=None, data={"label": version.label}),
        "corrections": corrections.history(version), "replaced": _replaced_rows(version),
        "decision_labels": _decision_labels(),
        "publication": publishing.current_of(plan), "can_publish": scoped.access.can_administer,
        "public_url": url_for("public.plan", name=publishing.address_name(scoped.access.municipality),
                              plan_id=plan.id, _external=True),
        **extra,
    }


@bp.get("/<int:version_id>")
@login_required
def show(version_id: int):
    scoped = version_or_404(version_id)
    return render_template("versions/show.html", **_version_context(scoped))


@bp.post("/<int:version_id>/withdraw")
@login_required
def withdraw(version_id: int):
    scoped = version_or_404(version_id, edit=True)
    try:
        versions.withdraw(scoped.version, current_user)
    except versions.VersionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("versions.show", version_id=version_id), 303)
    flash(_("The version is back in draft; you can change it again and submit it when it is ready."), "success")
    return redirect(url_for("wizard.overview", plan_id=scoped.plan.id), 303)


@bp.post("/<int:version_id>/label")
@login_required
def relabel(version_id: int):
    scoped = version_or_404(version_id, edit=True)
    form = LabelForm()
    try:
        if not form.validate():  # the form's own checks (a null byte in the text) come first
            raise labels.LabelRefused(next(iter(form.errors.values()))[0])
        changed = versions.rename(scoped.version, form.label.data, current_user)
    except labels.LabelRefused as exc:
        form.label.errors = [str(exc)]
        return render_template("versions/show.html", **_version_context(scoped, label_form=form)), INVALID
    if changed:
        flash(_("The version is now called “%(label)s”.", label=scoped.version.label), "success")
    return redirect(url_for("versions.show", version_id=version_id), 303)


@bp.post("/<int:version_id>/adopt")
@login_required
def adopt(version_id: int):
    """Three steps on one address: the decision as typed is checked and shown for confirmation ("check"), sent
    back to the form to be changed ("change"), or recorded ("confirm")."""
    scoped = version_or_404(version_id, edit=True)
    form, step = DecisionForm(), request.form.get("step", "check")
    try:
        decision = (versions.adopt(scoped.version, current_user, form) if step == "confirm"
                    else versions.check_adoption(scoped.version, form))
    except versions.InvalidDecision as exc:
        for name, message in exc.problems.items():
            form[name].errors = [message]
        return render_template("versions/show.html", **_version_context(scoped, form)), INVALID
    except (versions.MissingAnswers, versions.UnverifiedNumbers) as exc:
        return render_template("versions/show.html", **_version_context(scoped, form, failure=str(exc))), INVALID
    except versions.StorageFull as exc:  # what was typed stays on the page, to send again
        return render_template("versions/show.html", **_version_context(scoped, form, failure=str(exc))), 507
    except versions.VersionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("versions.show", version_id=version_id), 303)
    if step == "change":
        return render_template("versions/show.html", **_version_context(scoped, form))
    if step != "confirm":
        return render_template("versions/confirm_adoption.html", plan=scoped.plan, access=scoped.access,
                               version=scoped.version, decision=decision, form=form,
                               template=plan_service.template_for(scoped.version.template_id),
                               editions=documents.EDITIONS)
    flash(_("Version %(label)s is adopted. Its PDF documents are being frozen: from then on every download gives "
            "exactly those files.", label=scoped.version.label), "success")
    return redirect(url_for("versions.show", version_id=version_id), 303)


# --- correcting the recorded decision (services/plans/corrections.py) ------------------------------------------

def _document_row(version, edition: str, sha256: str, cell_id: str, document_id: int | None = None) -> dict:
    url = (url_for("documents.replaced_pdf", version_id=version.id, document_id=document_id) if document_id
           else url_for("documents.pdf", version_id=version.id, edition=edition))
    return {"edition": edition, "sha256": sha256, "url": url, "cell_id": cell_id}


def _replaced_rows(version) -> dict[int, list[dict]]:
    return {correction_id: [_document_row(version, d.edition, d.sha256, f"sha256-{d.edition}-{d.id}", d.id)
                            for d in replaced]
            for correction_id, replaced in corrections.replaced_documents(version).items()}


def _decision_labels() -> dict[str, str]:
    """The decision's fields by name, labelled as on the form (the correction history names what changed)."""
    form = DecisionForm(formdata=None)
    return {name: form[name].label.text for name in versions.DECISION_FIELDS}


@bp.route("/<int:version_id>/decision", methods=["GET", "POST"])
@login_required
def correct_decision(version_id: int):
    scoped = version_or_404(version_id, edit=True)
    version, status, failure = scoped.version, 200, None
    form = (CorrectionForm() if request.method == "POST"
            else CorrectionForm(formdata=None, data=corrections.correction_defaults(version)))
    try:
        corrections.check_correctable(version)
        if request.method == "POST":
            corrections.correct_decision(version, current_user, form)
            flash(_("The decision is corrected. Its documents are being frozen again; the earlier ones stay "
                    "listed as replaced."), "success")
            return redirect(url_for("versions.show", version_id=version_id), 303)
    except versions.InvalidDecision as exc:
        for name, message in exc.problems.items():
            form[name].errors = [message]
        status = INVALID
    except (corrections.NothingToCorrect, versions.StorageFull) as exc:  # what was typed stays, to send again
        failure, status = str(exc), INVALID
    except versions.VersionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("versions.show", version_id=version_id), 303)
    template = plan_service.template_for(version.template_id)
    return render_template("versions/correct_decision.html", plan=scoped.plan, access=scoped.access, version=version,
                           form=form, failure=failure, interval=template.revision_interval_months,
                           statutory=template.statutory_max_months), status


# --- publication (services/plans/publication.py): admins only -------------------------------------------------

def _administered(scoped):
    if not scoped.access.can_administer:
        abort(403)
    return scoped


def _publication_step(step, done: str) -> None:
    """Publish or withdraw; a refusal is told as it is, on the page the person comes back to."""
    try:
        step()
    except publishing.PublicationRefused as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")


@bp.post("/<int:version_id>/publish")
@login_required
def publish(version_id: int):
    scoped = _administered(version_or_404(version_id, edit=True))
    _publication_step(lambda: publishing.publish(scoped.version, current_user),
                      _("Version %(label)s is published on the public site.", label=scoped.version.label))
    return redirect(url_for("versions.show", version_id=version_id), 303)


@bp.post("/plan/<int:plan_id>/withdraw-publication")
@login_required
def withdraw_publication(plan_id: int):
    scoped = _administered(plan_or_404(plan_id, edit=True))
    current = publishing.current_of(scoped.plan)
    _publication_step(lambda: publishing.withdraw(scoped.plan, current_user),
                      _("The plan is withdrawn from the public site."))
    back = request.form.get("version", type=int) or (current.version_id if current else None)
    if back is None:
        return redirect(url_for("versions.history", plan_id=plan_id), 303)
    return redirect(url_for("versions.show", version_id=back), 303)


# --- history and revision -------------------------------------------------------------------------------------

@bp.get("/plan/<int:plan_id>/history")
@login_required
def history(plan_id: int):
    scoped = plan_or_404(plan_id)
    found = versions.history(scoped.plan)
    return render_template("versions/history.html", plan=scoped.plan, access=scoped.access, versions=found,
                           hashes=versions.frozen_hashes(found),
                           previous={v.id: versions.previous_of(v) for v in found},
                           review=versions.review_status(scoped.plan))


@bp.get("/plan/<int:plan_id>/compare")
@login_required
def choose_comparison(plan_id: int):
    """The history page's "Compare" form (a plain GET form): on to the comparison of the two chosen versions."""
    scoped = plan_or_404(plan_id)
    ids = {v.id for v in versions.history(scoped.plan)}
    first, second = request.args.get("a", type=int), request.args.get("b", type=int)
    if first not in ids or second not in ids:
        flash(_("Choose two versions of this plan to compare."), "error")
        return redirect(url_for("versions.history", plan_id=plan_id), 303)
    if first == second:
        flash(_("Choose two different versions: a version compared with itself has no changes."), "error")
        return redirect(url_for("versions.history", plan_id=plan_id), 303)
    return redirect(url_for("versions.compare", a=min(first, second), b=max(first, second)), 303)


@bp.post("/plan/<int:plan_id>/revision")
@login_required
def start_revision(plan_id: int):
    scoped = plan_or_404(plan_id, edit=True)
    try:
        draft = revisions.start_revision(scoped.plan, current_user)
    except versions.VersionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("wizard.overview", plan_id=plan_id), 303)
    flash(_("Revision %(label)s has started as a copy of the adopted plan. Confirm each section as still valid "
            "or change it.", label=draft.label), "success")
    return redirect(url_for("wizard.overview", plan_id=plan_id), 303)


# --- comparing ------------------------------------------------------------------------------------------------

def _pair(a: int, b: int):
    first, second = version_or_404(a), version_or_404(b)
    if first.version.plan_id != second.version.plan_id:
        return None
    return first, second


def _not_comparable():
    return render_template("errors/error.html", status=404, title=_("These versions cannot be compared"),
                           message=_("Only two different versions of the same plan can be compared.")), 404


def _in_order(a: int, b: int, endpoint: str, *, say_so: bool = True):
    """(the pair, None) for two versions of one plan, older first; else (None, the answer instead): a version with
    itself or of another plan is refused, a reversed address turned the right way round (said on a page, not
    before a download, where the message would wait for some later page)."""
    pair = _pair(a, b)
    if pair is None or a == b:
        return None, _not_comparable()
    if a > b and say_so:
        # Changes read from the older version to the newer: a reversed address is turned the right way round.
        flash(_("Shown from the older version to the newer one, so the changes read in the order they were made."),
              "info")
    if a > b:
        return None, redirect(url_for(endpoint, a=b, b=a, **request.args), 303)
    return pair, None


@bp.get("/<int:a>/compare/<int:b>")
@login_required
def compare(a: int, b: int):
    """The comparison page; ?expand=<section> also shows a section without changes (htmx: just that section)."""
    pair, instead = _in_order(a, b, "versions.compare")
    if instead:
        return instead
    (first, second), edition = pair, _edition()
    comparison = versions.comparison(first.version, second.version, edition)
    expand = request.args.get("expand")
    if expand is not None and comparison.section(expand) is None:
        abort(404)
    context = {
        "plan": second.plan, "access": second.access, "version_a": first.version, "version_b": second.version,
        "comparison": comparison, "summary": diff_text.summary(comparison), "edition": edition,
        "editions": documents.EDITIONS, "expanded": {expand} if expand else set(),
        "listings": {expand: versions.section_listing(second.version, expand, edition)} if expand else {},
        "notes": revision_work.review_notes(second.version),
        "section": comparison.section(expand) if expand else None,
    }
    if expand and is_fragment_request():
        return render("versions/compare.html", "versions/_compare_section.html", **context)
    return render("versions/compare.html", "versions/compare.html", **context)


@bp.get("/<int:a>/compare/<int:b>/changes.pdf")
@login_required
def changes_pdf(a: int, b: int):
    pair, instead = _in_order(a, b, "versions.changes_pdf", say_so=False)
    if instead:
        return instead
    (first, second), edition = pair, _edition()
    version_a, version_b = first.version, second.version
    wanted = Wanted(version_id=version_b.id,
                    ready=lambda: preparation.ready_changes(version_a, version_b, edition),
                    ask=lambda: preparation.ask_for_changes(version_a, version_b, edition),
                    name=versions.changes_download_name(version_a, version_b, edition), mimetype="application/pdf",
                    what=_("the changes annex"))
    return deliver(wanted, plan=second.plan, version=version_b, access=second.access)
