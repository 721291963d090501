"""The dashboard (a municipality's plans, reviews coming due, starting a new plan), the overview of every
municipality a person works in, and switching between them."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..forms import NewPlanForm
from ..htmx import INVALID
from ..services.people import invitations
from ..services.people.accounts import memberships
from ..services.plans import follow_up
from ..services.plans import overview as standing
from ..services.plans import plans as plan_service
from .scope import access_in, current_access

bp = Blueprint("plans", __name__)

ROLE_NAMES = {"admin": _l("Admin"), "editor": _l("Editor"), "reviewer": _l("Reviewer")}


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


# A list to switch between municipalities is offered up to this many; someone working for more (a regional
# coordinator) chooses on the overview's pages instead: a thousand options on every page cost more than they help.
SWITCH_CHOICES = 25


@bp.app_context_processor
def header_context():
    """The municipality switcher (header and dashboard); the memberships are looked up only when a page shows
    them, and never more than one over the switcher's limit."""
    def my_memberships():
        return memberships(current_user, limit=SWITCH_CHOICES + 1) if current_user.is_authenticated else []
    return {"my_memberships": my_memberships}


bp.add_app_template_global(SWITCH_CHOICES, "switch_choices")


def _page_asked() -> int | None:
    """?page=N of a paged list; anything else (missing, not a number) asks for the first page."""
    return request.args.get("page", type=int)


def _dashboard_context(access, form=None):
    templates = plan_service.templates_for_country(access.municipality.country)
    page = standing.dashboard_page(access.municipality.id, _page_asked())
    return {
        "access": access,
        "page": page,
        "late": follow_up.late_counts([item.plan for item in page.items]),
        "due": standing.due_in([access.municipality.id]),
        "soon_days": standing.REVIEW_SOON_DAYS,
        "form": form or NewPlanForm(templates),
        "templates": templates,
        "invitations": invitations.open_invitations(current_user),
    }


@bp.get("/")
@login_required
def dashboard():
    access = current_access()
    if access is None:  # waiting for an answer to an invitation is not a refusal
        waiting = invitations.open_invitations(current_user)
        return render_template("plans/no_municipality.html", invitations=waiting), 200 if waiting else 403
    return render_template("plans/dashboard.html", **_dashboard_context(access))


@bp.post("/invitations/<int:invitation_id>")
@login_required
def answer_invitation(invitation_id: int):
    """The person accepts (and works there from now on) or declines an invitation of theirs; others get 404."""
    try:
        if request.form.get("answer") == "accept":
            membership = invitations.accept(current_user, invitation_id)
            session["municipality_id"] = membership.municipality_id
            flash(_("You now work in %(name)s too.", name=membership.municipality.name), "success")
        else:
            invitations.decline(current_user, invitation_id)
            flash(_("The invitation is declined."), "success")
    except invitations.NoSuchInvitation:
        abort(404)
    return redirect(url_for("plans.dashboard"), 303)


@bp.get("/overview")
@login_required
def overview():
    """Every plan of every municipality the person belongs to: adopted, in progress, review due."""
    mine = standing.municipalities_of(current_user.id)
    count = standing.count_of(mine)
    if not count:
        return render_template("plans/no_municipality.html"), 403
    page = standing.overview_page(current_user.id, _page_asked())
    return render_template("plans/overview.html", municipality_count=count, page=page,
                           late=follow_up.late_counts([s.plan for section in page.items for s in section.standings]),
                           due=standing.due_in(mine),
                           soon_days=standing.REVIEW_SOON_DAYS, access=current_access())


@bp.post("/municipality")
@login_required
def switch_municipality():
    chosen = request.form.get("municipality_id", type=int)
    if chosen is None or access_in(chosen) is None:
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
