"""The one place that decides between a fragment (for htmx) and a full page (for everything else)."""
from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

# Form errors are answered with 422 so a plain browser and a test can tell them from success; htmx is
# configured (static/app.js) to swap 422 responses so the user sees the messages in place.
INVALID = 422


# Set on the answer to an htmx request that could not be served because the person's session is gone: signed out
# ("signed-out"), or the page's form token no longer matches the session ("expired"). static/app.js then keeps
# what was typed, says so, and saves it once the person has signed in again (see auth.session_state).
SESSION_PROBLEM = "X-Planbuilder-Session"


def session_problem(status: int, kind: str, body: str = "") -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.headers[SESSION_PROBLEM] = kind
    response.headers["Cache-Control"] = "no-store"
    return response


def is_fragment_request() -> bool:
    """An htmx request that wants part of a page: not a boosted navigation and not a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str, status: int = 200, **context) -> Response:
    """Render the fragment for htmx, else the full page (which includes that very fragment)."""
    template = fragment if is_fragment_request() else page
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.vary.add("HX-Request")
    return response
