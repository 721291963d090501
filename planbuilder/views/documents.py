"""The plan document: HTML preview and downloads (PDF per edition, DOCX)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from ..services.documents import rendering as documents
from .scope import version_or_404

bp = Blueprint("documents", __name__)


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


def _download(version_id: int, fmt: str) -> Response:
    scoped = version_or_404(version_id)
    edition = _edition()
    body = documents.document_for_download(scoped.version, edition, fmt)
    name = documents.download_name(scoped.version, edition, fmt)
    response = Response(body, mimetype=documents.MIME_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # The internal edition holds what must not be published: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:version_id>/document.pdf")
@login_required
def pdf(version_id: int) -> Response:
    return _download(version_id, "pdf")


@bp.get("/<int:version_id>/document.docx")
@login_required
def docx(version_id: int) -> Response:
    return _download(version_id, "docx")
