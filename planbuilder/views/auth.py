"""Signing in and out (rate-limited), one-time sign-in links, a forgotten password (a link by mail), and the
signed-in user's own account page (name and language, the kinds of mail they get, password)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_url, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..extensions import limiter
from ..forms import ChoosePasswordForm, ForgotPasswordForm, MailPreferencesForm, PasswordForm, ProfileForm, SignInForm
from ..htmx import INVALID, is_fragment_request, session_problem
from ..services.mail import preferences
from ..services.people import accounts, invitations, password_reset, sessions

bp = Blueprint("auth", __name__)



def _safe_next(target: str | None) -> str:
    """Only same-site paths; an absolute or scheme-relative URL would make sign-in an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("plans.dashboard")


# --- rate limits: per IP address and e-mail, and per IP address alone ------------------------------------------

def _attempted_email() -> str:
    return accounts.normalise_email(request.form.get("email", ""))[:320]


def _address_and_email() -> str:
    return f"{get_remote_address()}|{_attempted_email()}"


def _record_breach(request_limit) -> None:
    """A blocked attempt is worth a line in the audit log (accounts.record_blocked_sign_in says whose)."""
    accounts.record_blocked_sign_in(_attempted_email(), get_remote_address() or "", str(request_limit.limit))


def _config_limit(key: str):
    return lambda: current_app.config[key]


# --- signing in and out ------------------------------------------------------------------------------------------

@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_config_limit("SIGN_IN_LIMIT_PER_IP"), methods=["POST"], scope="sign-in-address",
               on_breach=_record_breach)
@limiter.limit(_config_limit("SIGN_IN_LIMIT_PER_ACCOUNT"), methods=["POST"], key_func=_address_and_email,
               scope="sign-in-account", on_breach=_record_breach)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("plans.dashboard"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            # In the municipality its sign-in was recorded in, and there until the person switches.
            _start_session(user, accounts.sign_in_municipality(user))
            return redirect(_safe_next(request.args.get("next")), 303)
        error = _("The e-mail address or password is not right.")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/sign_in.html", form=form, error=error), status


def _start_session(user, municipality_id: int | None = None) -> None:
    session.clear()  # a fresh session on sign-in: nothing from before carries over
    login_user(user)
    session[accounts.SESSION_TOKEN] = sessions.start(user)
    if municipality_id is not None:
        session["municipality_id"] = municipality_id


def unauthorized():
    """A private page asked for without a signed-in person. A page goes to sign-in and comes back afterwards; an
    htmx request (an autosave from a page left open) is refused in place, so the page keeps what was typed."""
    if is_fragment_request():
        return session_problem(401, "signed-out")
    return redirect(login_url("auth.sign_in", next_url=request.url))


@bp.get("/session")
def session_state():
    """Whether the browser is signed in, with a form token for its session: a page left open while its person
    was signed out asks here when they come back, so it can save what they typed without being reloaded."""
    if not current_user.is_authenticated:
        response = jsonify(signed_in=False)
        response.status_code = 401
    else:
        response = jsonify(signed_in=True, csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/sign-out")
@login_required
def sign_out():
    sessions.end(session.get(accounts.SESSION_TOKEN))
    logout_user()
    session.clear()
    return redirect(url_for("auth.sign_in"), 303)


# --- one-time sign-in links: the person chooses a password ------------------------------------------------------

@bp.route("/welcome/<token>", methods=["GET", "POST"])
@limiter.limit(_config_limit("LINK_LIMIT_PER_IP"), scope="sign-in-link")
def welcome(token: str):
    """GET only shows the form (link previews in mail clients must not spend the link); POST spends it."""
    link = accounts.sign_in_link(token)
    if link is None:
        return _invitation_link(token)
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.redeem_sign_in_link(link, form.new_password.data, form.confirm_password.data)
        except accounts.PasswordError as exc:
            _field_for(form, exc.field).errors.append(str(exc))
        else:
            _start_session(user)
            flash(_("Your password is set and you are signed in."), "success")
            return redirect(url_for("plans.dashboard"), 303)
    status = INVALID if request.method == "POST" else 200
    return render_template("auth/welcome.html", form=form, token=token, person=link.user), status


def _invitation_link(token: str):
    """An admin's link for a person who already has an account: it shows the invitation and leads to signing in
    with their own password, where they answer it. It grants nothing by itself."""
    invitation = invitations.by_link(token)
    if invitation is None:
        return render_template("auth/link_unavailable.html"), 404
    if current_user.is_authenticated and current_user.id == invitation.user_id:
        return redirect(url_for("plans.dashboard"), 303)
    return render_template("auth/invitation_link.html", invitation=invitation)


# --- a forgotten password: a link by mail (services/people/password_reset.py) -----------------------------------

def _record_reset_breach(request_limit) -> None:
    password_reset.record_limited(_attempted_email(), get_remote_address() or "", str(request_limit.limit))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_config_limit("PASSWORD_RESET_LIMIT_PER_IP"), methods=["POST"], scope="password-reset-address",
               on_breach=_record_reset_breach)
@limiter.limit(_config_limit("PASSWORD_RESET_LIMIT_PER_EMAIL"), methods=["POST"], key_func=_attempted_email,
               scope="password-reset-email", on_breach=_record_reset_breach)
def forgot_password():
    """Without a mail server the page says whom to ask; with one, the same answer whoever the address is."""
    if not password_reset.mail_configured():
        return render_template("auth/forgot_password.html", form=None)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.send_link(form.email.data)
        return redirect(url_for("auth.reset_link_sent"), 303)
    status = INVALID if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.get("/forgot-password/sent")
def reset_link_sent():
    return render_template("auth/reset_link_sent.html", minutes=password_reset.LINK_MINUTES)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_config_limit("LINK_LIMIT_PER_IP"), scope="sign-in-link")
def reset_password(token: str):
    """GET only shows the form (link previews in mail clients must not spend the link); POST spends it."""
    user = password_reset.user_for(token)
    if user is None:
        return render_template("auth/reset_link_unavailable.html", minutes=password_reset.LINK_MINUTES), 404
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset(user, form.new_password.data, form.confirm_password.data)
        except accounts.PasswordError as exc:
            _field_for(form, exc.field).errors.append(str(exc))
        else:
            if current_user.is_authenticated:  # this browser's session ended with the others
                sessions.end(session.get(accounts.SESSION_TOKEN))
                logout_user()
                session.clear()
            flash(_("Your password is changed and you have been signed out everywhere. Sign in with the new "
                    "password."), "success")
            return redirect(url_for("auth.sign_in"), 303)
    status = INVALID if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form, token=token, person=user), status


def _field_for(form, which: str):
    return {"current": getattr(form, "current_password", None), "new": form.new_password,
            "confirmation": form.confirm_password}[which]


# --- the account page -------------------------------------------------------------------------------------------

def _account_page(profile=None, password=None, mail=None, status: int = 200):
    profile = profile or ProfileForm(formdata=None, data={"display_name": current_user.display_name,
                                                          "language": current_user.language or ""})
    mail = mail or MailPreferencesForm(formdata=None, data={"wanted": preferences.kinds_wanted(current_user)})
    return render_template("auth/account.html", profile=profile, password=password or PasswordForm(formdata=None),
                           mail=mail, memberships=accounts.memberships(current_user)), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    if request.method == "GET":
        return _account_page()
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            changed = accounts.update_profile(current_user, form.display_name.data, form.language.data or None)
        except accounts.AccountError as exc:
            form.display_name.errors.append(str(exc))
        else:
            if changed:
                refresh()  # the confirmation in the language just chosen
                flash(_("Your settings are saved."), "success")
            return redirect(url_for("auth.account"), 303)
    return _account_page(profile=form, status=INVALID)


@bp.post("/account/mail")
@login_required
def mail_preferences():
    form = MailPreferencesForm()
    if form.validate_on_submit():
        if preferences.set_kinds_wanted(current_user, form.wanted.data or ()):  # nothing ticked: no mail at all
            flash(_("Your e-mail choices are saved."), "success")
        return redirect(url_for("auth.account"), 303)
    return _account_page(mail=form, status=INVALID)


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data,
                                     form.confirm_password.data)
        except accounts.PasswordError as exc:
            _field_for(form, exc.field).errors.append(str(exc))
        else:
            # Every session ended with the new generation; this one starts again, in the same municipality.
            _start_session(current_user._get_current_object(), session.get("municipality_id"))
            flash(_("Your password is changed. You have been signed out everywhere else."), "success")
            return redirect(url_for("auth.account"), 303)
    return _account_page(password=form, status=INVALID)
