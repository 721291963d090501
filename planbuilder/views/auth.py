from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..forms import SignInForm
from ..services import accounts

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths; an absolute or scheme-relative URL would make sign-in an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("plans.dashboard")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("plans.dashboard"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on sign-in: nothing from before carries over
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), 303)
        error = _("The e-mail address or password is not right.")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/sign_in.html", form=form, error=error), status


@bp.post("/sign-out")
@login_required
def sign_out():
    logout_user()
    session.clear()
    return redirect(url_for("auth.sign_in"), 303)
