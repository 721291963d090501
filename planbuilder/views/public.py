"""The public site: each municipality's published plans, for anyone, without an account, JavaScript or cookies.

Nothing here reads or writes the session (no sign-in, no form token), and nothing internal is reachable: the
pages show the public edition of a published version only (services/plans/publication.py).
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_babel import force_locale

from ..models import Municipality
from ..services.documents import document_files
from ..services.documents import rendering as documents
from ..services.plans import plans as plan_service
from ..services.plans import publication as publishing
from .documents import document_response

bp = Blueprint("public", __name__)

# Public pages may be kept a while by browsers and proxies: nothing on them is personal.
CACHE = "public, max-age=300"
PUBLIC = "public"


@bp.errorhandler(404)
def not_found(_error):
    # Not the app's error page: that one is for people who sign in, and sets a cookie for its form token.
    return render_template("public/not_found.html", municipality=None, name=None), 404


def _municipality_or_404(name: str) -> Municipality:
    municipality = publishing.municipality_at(name)
    if municipality is None or not publishing.published_in(municipality):
        abort(404)  # unknown, or nothing published: the same friendly page (errors.py)
    return municipality


def _public(body: str | Response, **headers: str) -> Response:
    response = body if isinstance(body, Response) else Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = CACHE
    response.headers.update(headers)
    return response


@bp.get("/<name>/")
def index(name: str):
    municipality = _municipality_or_404(name)
    published = publishing.published_in(municipality)
    with force_locale(municipality.language):
        return _public(render_template("public/index.html", municipality=municipality, published=published,
                                       name=name))


@bp.get("/<name>/<int:plan_id>/")
def plan(name: str, plan_id: int):
    municipality = _municipality_or_404(name)
    publication = publishing.published_plan(municipality, plan_id) or abort(404)
    version = publication.version
    template = plan_service.template_for(version.template_id)
    with force_locale(template.language):  # the plan's language, whoever reads it
        return _public(render_template("public/plan.html", municipality=municipality, publication=publication,
                                       version=version, plan=publication.plan, name=name,
                                       document=documents.preview_html(version, PUBLIC)))


@bp.get("/<name>/<int:plan_id>/plan.pdf")
def pdf(name: str, plan_id: int):
    municipality = _municipality_or_404(name)
    publication = publishing.published_plan(municipality, plan_id) or abort(404)
    made = document_files.made_frozen(publication.version, PUBLIC) or abort(404)
    filename = documents.download_name(publication.version, PUBLIC, "pdf")
    return _public(document_response(made, "application/pdf"),
                   **{"Content-Disposition": f'inline; filename="{filename}"'})
