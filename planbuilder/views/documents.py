"""The plan document: HTML preview and downloads (PDF per edition, DOCX).

A download that is not made yet is never rendered here: the person gets a progress page at the same address
(202), which htmx polls and turns into the download when the worker is done; without JavaScript the page
refreshes itself until the document is there.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wsgi import wrap_file

from ..htmx import is_fragment_request, render
from ..models import DocumentJob, JobState
from ..services.documents import document_files, preparation
from ..services.documents import rendering as documents
from ..services.documents.document_files import Made
from ..services.plans import corrections
from .scope import version_or_404

bp = Blueprint("documents", __name__)

WAITING = 202
FAILURE_STATUS = {"storage_full": 507}
NOTHING_NEW = 204
# When a waiting page asks again (htmx poll and meta refresh), in seconds: when the estimate says the document is
# there, but no sooner than FASTEST (every poll is a request to a server people are typing into) and no later than
# SLOWEST; while the document service is late or unreachable, every LATE (nothing happens sooner anyway).
POLL_FASTEST, POLL_UNKNOWN, POLL_SLOWEST, POLL_LATE = 2, 3, 5, 10


@bp.before_app_request
def _prune_this_machines_copies() -> None:
    document_files.keep_pruning(current_app._get_current_object())


def _edition() -> str:
    """The ?edition= asked for (internal by default); anything else is a 400 that says what is allowed."""
    edition = request.args.get("edition", "internal")
    try:
        return documents.check_edition(edition)
    except documents.UnknownEditionError:
        abort(400, description=_("There is no edition '%(edition)s'; choose internal or public.",
                                 edition=edition[:40]))


@bp.get("/<int:version_id>/document")
@login_required
def preview(version_id: int):
    scoped = version_or_404(version_id)
    edition = _edition()
    return render_template(
        "versions/document.html",
        access=scoped.access,
        version=scoped.version,
        plan=scoped.plan,
        edition=edition,
        editions=documents.EDITIONS,
        document=documents.preview_html(scoped.version, edition),
    )


@dataclass(frozen=True)
class Wanted:
    """A document a person asked for: how to find it made, how to ask for it, and how to hand it over."""

    version_id: int
    ready: Callable[[], Made | None]
    ask: Callable[[], DocumentJob]
    name: str
    mimetype: str
    what: str                     # "PDF" / "Word document", for the progress page
    inline: bool = False          # shown in the browser (share links) rather than saved
    bare: bool = False            # a page for someone without an account: nothing of the app around it


def deliver(wanted: Wanted, **page) -> Response:
    """The document if it is made; else a job for it and the progress page (202), at the same address."""
    body = wanted.ready()
    job = None
    if body is None:
        job = _failed_job_being_watched(wanted.version_id) or wanted.ask()
        body = wanted.ready()  # the tests' inline queue has made it already
    if body is not None:
        return _ready(wanted, body)
    progress = preparation.progress(job)
    if progress.state == JobState.DONE:
        # The worker finished between our look and its progress: hand the document over (or, if it has gone
        # from the cache meanwhile, ask again) rather than call a finished job a failure.
        body = wanted.ready()
        if body is not None:
            return _ready(wanted, body)
        progress = preparation.progress(wanted.ask())
    status = WAITING if progress.waiting else FAILURE_STATUS.get(progress.state, 500)
    if is_fragment_request() and request.args.get("shown") == progress.state:
        # Nothing new to say: no swap, so a screen reader does not hear the same words every few seconds.
        return Response(status=NOTHING_NEW)
    context = {"progress": progress, "what": wanted.what, "poll_seconds": poll_seconds(progress),
               "again_url": _address(job=None), "poll_url": _address(job=progress.job_id, shown=progress.state),
               "refresh_url": _address(job=progress.job_id), **page}
    if is_fragment_request():
        return render("versions/waiting.html", "versions/_waiting.html", **context)
    page_name = "versions/waiting_bare.html" if wanted.bare else "versions/waiting.html"
    response = Response(render_template(page_name, **context), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def poll_seconds(progress: preparation.Progress) -> int:
    if progress.state in ("stalled", "delayed"):
        return POLL_LATE
    return min(max(progress.seconds_left or POLL_UNKNOWN, POLL_FASTEST), POLL_SLOWEST)


def _failed_job_being_watched(version_id: int) -> DocumentJob | None:
    """The failed job a progress page is showing: asked for again only by "try again", never by its poll."""
    job = preparation.job_of(version_id, request.args.get("job", type=int))
    return job if job is not None and job.state == JobState.FAILED else None


def _address(job: int | None, shown: str | None = None) -> str:
    """This download's address; with the job a progress page watches, and the state it shows (htmx polls)."""
    args = {key: value for key, value in request.args.items() if key not in ("job", "shown")}
    if job is not None:
        args["job"] = job
    if shown is not None:
        args["shown"] = shown
    return url_for(request.endpoint, **request.view_args, **args)


def _ready(wanted: Wanted, body: Made) -> Response:
    if is_fragment_request():
        # The progress page's poll: say it is ready, and let app.js start the download from the same address.
        if isinstance(body, document_files.MadeFile):
            body.close()
        response = render("versions/waiting.html", "versions/_ready.html", what=wanted.what,
                          download_url=_address(job=None))
        response.headers["HX-Trigger"] = json.dumps({"planbuilder:download": {"url": _address(job=None)}})
        return response
    response = document_response(body, wanted.mimetype)
    disposition = "inline" if wanted.inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{wanted.name}"'
    # The internal edition holds what must not be published: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def document_response(body: Made, mimetype: str) -> Response:
    """A made document as the answer: a file copy is handed to the WSGI server, which sends it with sendfile
    (gunicorn), so the bytes never pass through Python."""
    if not isinstance(body, document_files.MadeFile):
        return Response(body, mimetype=mimetype)
    response = Response(wrap_file(request.environ, body.file), mimetype=mimetype, direct_passthrough=True)
    response.content_length = body.size
    return response


def what_is_made(fmt: str) -> str:
    return _("the PDF document") if fmt == "pdf" else _("the Word document")


def _download(version_id: int, fmt: str) -> Response:
    scoped = version_or_404(version_id)
    version, edition = scoped.version, _edition()
    wanted = Wanted(version_id=version.id, ready=lambda: documents.ready_document(version, edition, fmt),
                    ask=lambda: preparation.ask_for_plan_document(version, edition, fmt),
                    name=documents.download_name(version, edition, fmt), mimetype=documents.MIME_TYPES[fmt],
                    what=what_is_made(fmt))
    return deliver(wanted, plan=scoped.plan, version=version, access=scoped.access)


@bp.get("/<int:version_id>/document.pdf")
@login_required
def pdf(version_id: int) -> Response:
    return _download(version_id, "pdf")


@bp.get("/<int:version_id>/document.docx")
@login_required
def docx(version_id: int) -> Response:
    return _download(version_id, "docx")


@bp.get("/<int:version_id>/replaced/<int:document_id>.pdf")
@login_required
def replaced_pdf(version_id: int, document_id: int) -> Response:
    """A frozen PDF a correction of the decision replaced: kept, exactly as it was, for anyone who holds a copy."""
    scoped = version_or_404(version_id)
    document = corrections.replaced_document(scoped.version, document_id)
    if document is None:
        abort(404)
    name = documents.download_name(scoped.version, document.edition, "pdf").removesuffix(".pdf")
    wanted = Wanted(version_id=version_id, ready=lambda: document.content, ask=lambda: None,
                    name=f"{name}-replaced-{document.id}.pdf", mimetype=documents.MIME_TYPES["pdf"],
                    what=what_is_made("pdf"))
    return deliver(wanted)
