"""Follow-up of the adopted plan: each measure's status between revisions, what is late, and recording a new
follow-up of a measure (editors)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import local_today
from ..forms import FollowUpForm
from ..htmx import INVALID, is_fragment_request, render
from ..services.documents import follow_up_report, rendering
from ..services.plans import follow_up
from ..services.plans import plans as plan_service
from ..services.plans.versions import adopted_version
from .documents import Wanted, deliver
from .scope import plan_or_404, version_or_404

bp = Blueprint("follow_up", __name__)


def entry_form(measure: follow_up.Measure, formdata=None) -> FollowUpForm:
    """A measure's form, its inputs named after the measure (several stand on one page); the status offered
    first is the one it has now."""
    form = FollowUpForm(formdata=formdata, prefix=f"m-{measure.row_id}",
                        data=None if formdata else {"entry_date": local_today(), "status": measure.status})
    form.status.choices = [(o.value, o.label) for o in measure.status_options]
    return form


def _page(scoped, version, *, forms=None, failure: str | None = None, status: int = 200, measure=None,
          recorded: str | None = None):
    template = plan_service.template_for(version.template_id) if version else None
    measures = follow_up.measures_of(version, template) if version else []
    forms = forms or {}
    today = local_today()
    context = {
        "plan": scoped.plan, "access": scoped.access, "version": version, "template": template,
        "measures": measures, "today": today, "failure": failure,
        "late": [m for m in measures if m.is_late(today)],
        "forms": {m.row_id: forms.get(m.row_id) or entry_form(m) for m in measures} if scoped.access.can_edit else {},
        "measure": measure, "recorded": recorded, "card_failure": failure if is_fragment_request() else None,
    }
    return render("follow_up/plan.html", "follow_up/_measure.html", status=status, **context)


@bp.get("/plan/<int:plan_id>")
@login_required
def plan(plan_id: int):
    scoped = plan_or_404(plan_id)
    return _page(scoped, adopted_version(scoped.plan))


@bp.post("/version/<int:version_id>/measure/<row_id>")
@login_required
def record(version_id: int, row_id: str):
    scoped = version_or_404(version_id, edit=True)
    version = scoped.version
    measure = follow_up.find_measure(version, row_id)
    if measure is None:
        return _page(scoped, adopted_version(scoped.plan), failure=_("This measure is not part of the adopted "
                                                                     "plan any more."), status=404)
    form = entry_form(measure, request.form)
    try:
        if not form.validate():
            raise follow_up.FollowUpRefused({})
        follow_up.record(version, row_id, current_user, entry_date=form.entry_date.data, status=form.status.data,
                         comment=form.comment.data or "", indicator_value=form.indicator_value.data)
    except follow_up.FollowUpRefused as refused:
        for name, message in refused.problems.items():
            if name:
                form[name].errors = [*form[name].errors, message]
        failure = refused.problems.get("")
        # A page-wide refusal (the version was replaced meanwhile): the full page shows the version now in
        # force, where the same measure (rows keep their id) holds what was typed; a fragment keeps its card.
        shown = version if is_fragment_request() or not failure else adopted_version(scoped.plan)
        return _page(scoped, shown, forms={row_id: form}, failure=failure, measure=measure,
                     status=409 if failure else INVALID)
    if is_fragment_request():
        return _page(scoped, version, measure=follow_up.find_measure(version, row_id),
                     recorded=_("Recorded."))
    flash(_("The follow-up of “%(measure)s” is recorded.", measure=measure.title), "success")
    return redirect(url_for("follow_up.plan", plan_id=scoped.plan.id, _anchor=f"measure-{row_id}"), 303)


# --- the follow-up report for the council (PDF, DOCX): made by a worker, with a progress page meanwhile --------

def _report(plan_id: int, fmt: str) -> Response:
    scoped = plan_or_404(plan_id)
    version = adopted_version(scoped.plan)
    if version is None:
        return Response(render_template(
            "errors/error.html", status=404, title=_("There is no follow-up report yet"),
            message=_("The plan has no adopted version yet, so there is no follow-up to report.")), status=404)
    wanted = Wanted(version_id=version.id, ready=lambda: follow_up_report.ready_report(version, fmt),
                    ask=lambda: follow_up_report.ask_for_report(version, fmt),
                    name=follow_up_report.download_name(version, fmt), mimetype=rendering.MIME_TYPES[fmt],
                    what=_("the follow-up report"))
    return deliver(wanted, plan=scoped.plan, version=version, access=scoped.access)


@bp.get("/plan/<int:plan_id>/report.pdf")
@login_required
def report_pdf(plan_id: int) -> Response:
    return _report(plan_id, "pdf")


@bp.get("/plan/<int:plan_id>/report.docx")
@login_required
def report_docx(plan_id: int) -> Response:
    return _report(plan_id, "docx")
