"""Council review and sharing: comments on sections, review summary and sign-offs, read-only share links."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..access import current_access, may_share
from ..extensions import limiter
from ..forms import CommentForm, CommentPanelForm, ReplyForm, ShareLinkForm
from ..htmx import INVALID, is_fragment_request, render
from ..services.documents import preparation
from ..services.documents import rendering as documents
from ..services.people import sharing
from ..services.plans import plans as plan_service
from ..services.plans import review, signoffs
from .documents import Wanted, deliver, what_is_made
from .scope import comment_or_404, share_link_or_404, version_or_404

bp = Blueprint("review", __name__)
# Share links open without an account: this blueprint serves their PDFs and nothing else of the app.
shared_bp = Blueprint("shared", __name__)

PANEL_PAGE, PANEL = "review/section.html", "review/_comments_panel.html"
EDITION_LABELS = {"internal": _l("Internal edition"), "public": _l("Public edition")}


@bp.app_template_global()
def edition_label(edition: str) -> str:
    return str(EDITION_LABELS.get(edition, edition))


# --- for the hooks in the wizard and version pages -------------------------------------------------------------

@bp.app_template_global()
def review_panel(version, section, access) -> review.Panel:
    """The comment panel of the wizard's section page (templates/review/_section_comments.html), collapsed: the
    editor is there to write, and the section's review page has every comment."""
    return review.panel(access, version, section, "wizard", collapsed=True)


bp.add_app_template_global(may_share)
bp.add_app_template_global(signoffs.verdict_label)
bp.add_app_template_global(signoffs.verdict_short)


@bp.app_template_global()
def signoff_day(signoff) -> date:
    """The day of a sign-off on the reader's clock: signed late in the evening is that evening's date."""
    return to_user_timezone(signoff.signed_at).date()


@bp.app_template_global()
def waiting_for_review() -> list:
    """The versions in review the signed-in reviewer has not signed off yet (templates/plans/_waiting_review.html,
    on the dashboard); empty for editors and admins."""
    access = current_access()
    return signoffs.waiting_for(access, current_user) if access else []


@bp.app_template_global()
def open_comment_counts(version) -> dict[str, int]:
    return review.open_counts(version)


@bp.app_template_global()
def comment_counts(version) -> review.CommentCounts:
    return review.counts(version)


# --- comments ----------------------------------------------------------------------------------------------------

def _section_or_404(version, section_id: str):
    section = review.section_of(version, section_id)
    if section is None:
        abort(404)
    return section


def _new_comment_box(section_id: str) -> str:
    return f"new-comment-{section_id}"


def _reply_box(thread_id: int) -> str:
    return f"reply-{thread_id}"


@bp.app_template_global()
def comment_field(panel: review.Panel, box_id: str):
    """The text field of one comment box of the panel (templates/review/_comments_panel.html): the refused one
    with its text and messages, else an empty one."""
    if panel.refused is not None and panel.refused.body.id == box_id:
        return panel.refused.body
    form_class = CommentForm if box_id.startswith("new-comment-") else ReplyForm
    return form_class(formdata=None, box_id=box_id).body


def _panel_reply(scoped, section, back: str = "review", status: int = 200, refused=None, focus=None):
    """The panel as a fragment for htmx, else the section's review page around it. The page of threads shown is
    the one holding `focus` (the thread just written to), else the one asked for."""
    fragment = is_fragment_request()
    panel = review.panel(scoped.access, scoped.version, section, back, page=request.args.get("page", 1, type=int),
                         focus=focus, collapsed=fragment and back == "wizard", refused=refused,
                         take_focus=fragment and request.method == "GET")
    return render(PANEL_PAGE, PANEL, status=status, panel=panel, plan=scoped.plan, version=scoped.version,
                  access=scoped.access, section=section,
                  template=plan_service.template_for(scoped.version.template_id))


def _after_change(scoped, section, written, back: str):
    """After a comment, reply, resolve or reopen: the panel again (htmx), else back to the page it was sent from,
    at the comment written."""
    thread = review.thread_of(written)
    if is_fragment_request():
        return _panel_reply(scoped, section, back, focus=thread)
    anchor = f"comment-{written.id}"
    if back == "wizard" and _is_current(scoped):
        return redirect(url_for("wizard.section", plan_id=scoped.plan.id, section_id=section.id, _anchor=anchor), 303)
    page = review.thread_page(thread)
    return redirect(url_for("review.section", version_id=scoped.version.id, section_id=section.id,
                            page=page if page > 1 else None, _anchor=anchor), 303)


@bp.route("/versions/<int:version_id>/sections/<section_id>", methods=["GET", "POST"])
@login_required
def section(version_id: int, section_id: str):
    scoped = version_or_404(version_id)
    found = _section_or_404(scoped.version, section_id)
    if request.method == "GET":
        return _panel_reply(scoped, found)
    if not review.may_comment(scoped.access, scoped.version):
        abort(403)  # before the text is looked at: no message about a comment that could not be made anyway
    form = CommentForm(box_id=_new_comment_box(found.id))
    return _post_text(scoped, found, form,
                      lambda: review.add_comment(scoped.access, scoped.version, found.id, form.body.data,
                                                 current_user))


@bp.post("/comments/<int:comment_id>/replies")
@login_required
def reply(comment_id: int):
    scoped = comment_or_404(comment_id)
    found = _section_or_404(scoped.version, scoped.comment.section_id)
    if not review.may_reply(scoped.access, scoped.version):
        abort(403)
    form = ReplyForm(box_id=_reply_box(scoped.comment.parent_id or scoped.comment.id))
    return _post_text(scoped, found, form,
                      lambda: review.reply(scoped.access, scoped.comment, form.body.data, current_user),
                      thread=review.thread_of(scoped.comment))


def _post_text(scoped, found, form, write, thread=None):
    """A comment or reply: written when the form is valid and the service agrees, else shown again with the
    message next to its box and the text kept (a reply in its thread, on whichever page that is)."""
    if form.validate():
        try:
            written = write()
        except review.NotAllowed:
            abort(403)
        except review.ReviewError as exc:
            form.body.errors.append(str(exc))
        else:
            return _after_change(scoped, found, written, form.back.data)
    return _panel_reply(scoped, found, form.back.data, INVALID, refused=form, focus=thread)


def _set_resolved(comment_id: int, resolved: bool):
    scoped = comment_or_404(comment_id)
    found = _section_or_404(scoped.version, scoped.comment.section_id)
    form = CommentPanelForm()
    try:
        review.set_resolved(scoped.access, scoped.comment, resolved, current_user)
    except review.NotAllowed:
        abort(403)
    return _after_change(scoped, found, review.thread_of(scoped.comment), form.back.data)


@bp.post("/comments/<int:comment_id>/resolve")
@login_required
def resolve(comment_id: int):
    return _set_resolved(comment_id, True)


@bp.post("/comments/<int:comment_id>/reopen")
@login_required
def reopen(comment_id: int):
    return _set_resolved(comment_id, False)


def _summary_page(scoped, status: int = 200, **signoff):
    """Open comments per section (all of them with ?all=1, the default once the version is adopted), and the
    reviewers' sign-offs with the form for this reviewer."""
    show_all = request.args.get("all") == "1" or scoped.version.is_frozen
    return render_template("review/summary.html", plan=scoped.plan, version=scoped.version, access=scoped.access,
                           show_all=show_all, sections=review.summary(scoped.version, open_only=not show_all),
                           counts=review.counts(scoped.version), is_current=_is_current(scoped),
                           signoff=signoffs.panel(scoped.access, scoped.version, current_user, **signoff)), status


@bp.get("/versions/<int:version_id>")
@login_required
def summary(version_id: int):
    return _summary_page(version_or_404(version_id))


@bp.post("/versions/<int:version_id>/signoff")
@login_required
def sign_off(version_id: int):
    """A reviewer records (or changes) their sign-off; refused with a message once the version left review."""
    scoped = version_or_404(version_id)
    verdict = request.form.get("verdict")
    try:
        signoffs.sign_off(scoped.access, scoped.version, verdict, current_user)
    except signoffs.NotAllowed:
        abort(403)
    except signoffs.SignoffError as exc:
        status = INVALID if scoped.version.status == "in_review" else 409
        return _summary_page(scoped, status, error=str(exc), chosen=verdict)
    flash(_("Your sign-off is recorded: %(verdict)s.", verdict=signoffs.verdict_label(verdict)), "success")
    return redirect(url_for("review.summary", version_id=version_id, _anchor="signoff"), 303)


def _is_current(scoped) -> bool:
    current = plan_service.current_version(scoped.plan)
    return current is not None and current.id == scoped.version.id


# --- share links -------------------------------------------------------------------------------------------------

NEW_LINK = "new_share_link"


def _shares_page(scoped, form: ShareLinkForm | None = None, status: int = 200):
    shown = session.pop(NEW_LINK, None) if request.method == "GET" else None
    links = sharing.links_of(scoped.version)
    return render_template("review/shares.html", plan=scoped.plan, version=scoped.version, access=scoped.access,
                           links=[(link, sharing.status(link)) for link in links],
                           new_link=shown if shown and any(link.id == shown.get("id") for link in links) else None,
                           form=form or ShareLinkForm(formdata=None), editions=documents.EDITIONS,
                           default_days=sharing.DEFAULT_DAYS, max_days=sharing.MAX_DAYS), status


@bp.route("/versions/<int:version_id>/shares", methods=["GET", "POST"])
@login_required
def shares(version_id: int):
    scoped = version_or_404(version_id)
    if not may_share(scoped.access, scoped.version):
        abort(403)
    if request.method == "GET":
        return _shares_page(scoped)
    form = ShareLinkForm()
    if not form.validate():
        return _shares_page(scoped, form, INVALID)
    try:
        link, token = sharing.create_link(scoped.version, form.edition.data, form.days.data, current_user)
    except sharing.ShareError as exc:
        form[exc.field].errors.append(str(exc))
        return _shares_page(scoped, form, INVALID)
    # Shown once, on the page this redirects to; only the token's hash is stored.
    session[NEW_LINK] = {"id": link.id, "url": url_for("shared.pdf", token=token, _external=True)}
    return redirect(url_for("review.shares", version_id=version_id, _anchor="new-link"), 303)


@bp.post("/shares/<int:link_id>/revoke")
@login_required
def revoke_share(link_id: int):
    scoped = share_link_or_404(link_id)
    if sharing.revoke(scoped.link, current_user):
        flash(_("The link no longer works."), "success")
    return redirect(url_for("review.shares", version_id=scoped.version.id), 303)


def _link_limit() -> str:
    return current_app.config["LINK_LIMIT_PER_IP"]


@shared_bp.get("/<token>")
@limiter.limit(_link_limit, scope="share-link")
def pdf(token: str) -> Response:
    """The PDF behind a share link, for anyone holding the link; a plain page when it does not work."""
    try:
        link = sharing.link_for_token(token)
    except sharing.LinkNotFound:
        return _unavailable(404)
    except sharing.LinkGone as gone:
        return _unavailable(410, gone.link.version)
    version, edition = link.version, link.edition
    wanted = Wanted(version_id=version.id, ready=lambda: documents.ready_document(version, edition, "pdf"),
                    ask=lambda: preparation.ask_for_plan_document(version, edition, "pdf"),
                    name=documents.download_name(version, edition, "pdf"), mimetype="application/pdf",
                    what=what_is_made("pdf"), inline=True, bare=True)
    response = deliver(wanted)
    if response.status_code == 200 and response.mimetype == "application/pdf":
        sharing.record_use(link, request.remote_addr)
    return _private(response)


def _unavailable(status: int, version=None) -> Response:
    """The same words whatever the reason. A link that existed names its municipality and whom to ask, in the
    plan's language (the visitor's browser says nothing about who sent the link)."""
    if version is None:
        page = render_template("review/share_unavailable.html", municipality=None)
    else:
        with force_locale(plan_service.template_for(version.template_id).language):
            page = render_template("review/share_unavailable.html", municipality=version.plan.municipality)
    return _private(Response(page, status=status, mimetype="text/html"))


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
