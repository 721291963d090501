"""Administration of a municipality: users and roles, the audit log, and the e-mail sent."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import local_today
from ..forms import ROLE_LABELS, AuditFilterForm, NewUserForm, RoleForm
from ..htmx import INVALID, render
from ..services.mail import outbox
from ..services.people import admin as admin_service
from ..services.people import audit_log, invitations
from .plans import role_label
from .scope import admin_access, member_or_404

bp = Blueprint("admin", __name__)

NEW_SIGN_IN_LINK = "new_sign_in_link"
INVITED = "invited"  # a link kept for the list of users, after an invitation


# --- users --------------------------------------------------------------------------------------------------------

@bp.get("/users")
@login_required
def users():
    access = admin_access()
    page = admin_service.members_page(access.municipality.id, request.args.get("page", type=int))
    return render_template("admin/users.html", access=access, role_labels=ROLE_LABELS, page=page,
                           elsewhere=admin_service.working_elsewhere(current_user, [m.user_id for m in page.items]),
                           invited=invitations.invited_to(access.municipality.id), invited_link=_shown_link(INVITED))


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    access = admin_access()
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            added = admin_service.add_user(access.municipality, current_user, form.email.data,
                                           form.display_name.data or "", form.role.data, form.method.data,
                                           form.password.data or "")
        except admin_service.AdminError as exc:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        else:
            # The same answer for a new account and an existing one: a member only once they accept.
            flash(_("%(email)s is invited to work here as %(role)s. The invitation waits for them when they sign "
                    "in; they become a member once they accept it.", email=added.user.email,
                    role=role_label(form.role.data)), "success")
            if added.token:
                _keep_link(INVITED, added.token, email=added.user.email)
            return redirect(url_for("admin.users"), 303)
    status = INVALID if request.method == "POST" else 200
    return render_template("admin/new_user.html", access=access, form=form), status


def _keep_link(shown_for: str | int, token: str, **about) -> None:
    # Shown once, on the page the redirect leads to (a member's page, or the list for an invitation);
    # only the token's hash is stored.
    url = url_for("auth.welcome", token=token, _external=True)
    session[NEW_SIGN_IN_LINK] = {"for": shown_for, "url": url, **about}


def _shown_link(shown_for: str | int) -> dict | None:
    shown = session.pop(NEW_SIGN_IN_LINK, None) if request.method == "GET" else None
    return shown if isinstance(shown, dict) and shown.get("for") == shown_for else None


def _member_page(scoped, form=None, error=None, status: int = 200):
    membership = scoped.membership
    shown = _shown_link(membership.user_id)
    return render_template(
        "admin/member.html", access=scoped.access, membership=membership, person=membership.user,
        form=form or RoleForm(formdata=None, data={"role": membership.role}), error=error,
        role_labels=ROLE_LABELS, manages_fully=admin_service.manages_fully(current_user, membership.user),
        sign_in_link=shown["url"] if shown else None,
    ), status


@bp.get("/users/<int:user_id>")
@login_required
def member(user_id: int):
    return _member_page(member_or_404(user_id))


@bp.post("/users/<int:user_id>/role")
@login_required
def change_role(user_id: int):
    scoped = member_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            if admin_service.change_role(scoped.membership, form.role.data, current_user):
                flash(_("The role is changed."), "success")
        except admin_service.AdminError as exc:
            form.role.errors = [*form.role.errors, str(exc)]
        else:
            return redirect(url_for("admin.member", user_id=user_id), 303)
    return _member_page(scoped, form=form, status=INVALID)


def _refusable(user_id: int, step):
    """Run an admin step on a member; a refusal is shown on the member's page, next to the buttons."""
    scoped = member_or_404(user_id)
    try:
        message = step(scoped.membership)
    except admin_service.AdminError as exc:
        return _member_page(scoped, error=str(exc), status=INVALID)
    if message:
        flash(message, "success")
    if admin_service.membership_of(scoped.access.municipality.id, user_id) is None:
        return redirect(url_for("admin.users"), 303)
    return redirect(url_for("admin.member", user_id=user_id), 303)


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def deactivate(user_id: int):
    def step(membership):
        name = membership.user.display_name
        if admin_service.deactivate(membership, current_user) == "deactivated":
            return _("%(name)s's account is deactivated and signed out everywhere.", name=name)
        return _("%(name)s no longer has access to this municipality (they keep their other municipalities).",
                 name=name)
    return _refusable(user_id, step)


@bp.post("/users/<int:user_id>/reactivate")
@login_required
def reactivate(user_id: int):
    def step(membership):
        admin_service.reactivate(membership, current_user)
        return _("%(name)s's account is active again.", name=membership.user.display_name)
    return _refusable(user_id, step)


@bp.post("/users/<int:user_id>/sign-in-link")
@login_required
def sign_in_link(user_id: int):
    def step(membership):
        _keep_link(membership.user_id, admin_service.issue_sign_in_link(membership, current_user))
        return None
    return _refusable(user_id, step)


# --- the audit log ------------------------------------------------------------------------------------------------

def _audit_filters(form) -> admin_service.AuditFilter:
    """The filters from the valid fields only: a bad date is reported and left out, the rest still apply."""
    form.validate()
    for field in (form.date_from, form.date_to):
        if field.errors:
            field.errors = [_("Enter a date like %(example)s.", example=local_today().isoformat())]
    if form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
        form.date_to.errors = [*form.date_to.errors, _("The end date is before the start date.")]
    good = {name: field.data for name, field in form._fields.items() if not field.errors}
    user, plan = good.get("user"), good.get("plan")
    return admin_service.AuditFilter(action=good.get("action") or None,
                                     user_id=int(user) if user and user.isdigit() else None,
                                     plan_id=int(plan) if plan and plan.isdigit() and len(plan) < 18 else None,
                                     date_from=_date_or_none(good.get("date_from")),
                                     date_to=_date_or_none(good.get("date_to")))


def _date_or_none(value):
    return value if isinstance(value, date) else None


# The largest id a database integer holds: a bigger number names no event, and SQLite cannot even be asked.
_LARGEST_ID = 2**63 - 1


def _audit_cursor() -> admin_service.AuditCursor | None:
    """The page asked for by the Newer/Older links (?older_than=<event id> or ?newer_than=…); anything that is
    not such an id asks for the newest page."""
    for direction in (admin_service.OLDER, admin_service.NEWER):
        event_id = request.args.get(f"{direction}_than", type=int)
        if event_id is not None and 0 < event_id <= _LARGEST_ID:
            return admin_service.AuditCursor(direction, event_id)
    return None


@bp.get("/audit")
@login_required
def audit():
    access = admin_access()
    municipality_id = access.municipality.id
    form = AuditFilterForm(audit_log.action_choices(admin_service.audit_actions(municipality_id)),
                           admin_service.audit_users(municipality_id),
                           admin_service.audit_plans(municipality_id),
                           formdata=request.args)
    filters = _audit_filters(form)
    result = admin_service.audit_page(municipality_id, filters, _audit_cursor())
    query = {name: value for name, value in request.args.items() if name in form._fields and value}
    failed = any(field.errors for field in form)
    return render("admin/audit.html", "admin/_audit_results.html", status=INVALID if failed else 200,
                  access=access, form=form, result=result, query=query,
                  sentences=audit_log.sentences(result.events, municipality_id))


# --- e-mail -------------------------------------------------------------------------------------------------------

@bp.get("/mail")
@login_required
def mail():
    access = admin_access()
    return render_template("admin/mail.html", access=access, interrupted=outbox.INTERRUPTED,
                           deactivated=outbox.DEACTIVATED,
                           page=outbox.mails_of(access.municipality.id, request.args.get("page", type=int)))
