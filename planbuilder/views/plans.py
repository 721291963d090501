"""The dashboard: a municipality's plans, and starting a new one."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import NewPlanForm
from ..htmx import INVALID
from ..services import plans as plan_service
from ..services.accounts import access_to, memberships
from .scope import current_access

bp = Blueprint("plans", __name__)


def _dashboard_context(access, form=None):
    templates = plan_service.templates_for_country(access.municipality.country)
    return {
        "access": access,
        "summaries": plan_service.dashboard(access.municipality),
        "memberships": memberships(current_user),
        "form": form or NewPlanForm(templates),
        "templates": templates,
    }


@bp.get("/")
@login_required
def dashboard():
    access = current_access()
    if access is None:
        return render_template("plans/no_municipality.html"), 403
    return render_template("plans/dashboard.html", **_dashboard_context(access))


@bp.post("/municipality")
@login_required
def switch_municipality():
    chosen = request.form.get("municipality_id", type=int)
    if chosen is None or access_to(current_user, chosen) is None:
        abort(404)
    session["municipality_id"] = chosen
    return redirect(url_for("plans.dashboard"), 303)


@bp.post("/plans")
@login_required
def create():
    access = current_access()
    if access is None or not access.can_edit:
        abort(403)
    context = _dashboard_context(access)
    form = NewPlanForm(context["templates"])
    if form.validate_on_submit():
        try:
            plan = plan_service.create_plan(access.municipality, form.template_id.data, form.title.data,
                                            current_user)
        except plan_service.PlanError as exc:
            form.title.errors = [*form.title.errors, str(exc)]
        else:
            return redirect(url_for("wizard.overview", plan_id=plan.id), 303)
    context["form"] = form
    context["form_failed"] = True
    return render_template("plans/dashboard.html", **context), INVALID
