"""Third-party browser assets served from their pinned PyPI packages (nothing vendored into the repo)."""
from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response, abort

bp = Blueprint("assets", __name__)

# name -> (package, path inside it)
PACKAGED_ASSETS = {
    "htmx.min.js": ("js_lib_htmx", "static/htmx/htmx.min.js"),
}


@bp.get("/assets/<name>")
def packaged(name: str) -> Response:
    if name not in PACKAGED_ASSETS:
        abort(404)
    package, path = PACKAGED_ASSETS[name]
    body = resources.files(package).joinpath(path).read_bytes()
    response = Response(body, mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
