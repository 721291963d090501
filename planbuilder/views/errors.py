"""Friendly error pages: never a traceback to a user."""
from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..htmx import is_fragment_request, session_problem
from ..storage import is_storage_full

log = logging.getLogger(__name__)


def _page(status: int, title: str, message: str, fragment_message: str | None = None):
    """The error page, or for an htmx request a fragment the sending page shows in place (static/app.js).

    Rendered without the context processors: Flask-Login's would load the signed-in user from the database,
    which is exactly what fails when the "database unavailable" page is needed.
    """
    if is_fragment_request():
        text = fragment_message or _("Not saved: %(problem)s. %(explanation)s", problem=title, explanation=message)
        body = current_app.jinja_env.get_template("errors/_error.html").render(message=text)
    else:
        body = current_app.jinja_env.get_template("errors/error.html").render(status=status, title=title,
                                                                               message=message)
    return body, status


def _rollback_quietly() -> None:
    """Roll back the failed request's transaction; with the database gone even that can fail."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - nothing more to undo, and the error page must still be shown
        log.debug("rollback failed", exc_info=True)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(_exc):
        body, status = _page(400, _("The form has expired"),
                             _("For your security the form could not be sent. Go back, reload the page and try "
                               "again; what you typed in other fields has been kept if it was saved."))
        if is_fragment_request():  # an autosave from a page whose session has ended: the page handles it
            return session_problem(status, "expired", body)
        return body, status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        titles = {
            403: _("You do not have access to this"),
            404: _("Page not found"),
            405: _("That cannot be done here"),
            413: _("What you sent is too large"),
            429: _("Too many attempts"),
        }
        messages = {
            403: _("Your role in this municipality does not allow this. Ask your municipality's administrator "
                   "if you need access."),
            404: _("The address may be mistyped, or the page is not available to you."),
            429: _("Please wait a minute before trying again."),
        }
        # Sent from a page (an autosave, a row, a comment) by someone whose role changed since it was opened.
        in_place = {403: _("Not saved: you can no longer edit this plan. Ask your municipality's administrator "
                           "if you need access.")}
        return _page(exc.code or 500, titles.get(exc.code, exc.name), messages.get(exc.code, exc.description),
                     in_place.get(exc.code))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc):
        _rollback_quietly()
        if is_storage_full(exc):
            log.error("storage full during %s %s", request.method, request.path)
            return _page(507, _("This could not be stored"),
                         _("The server's storage is full, so what you sent was not saved. Keep it on your screen "
                           "and tell your administrator; then try again."))
        log.error("database unavailable during %s %s: %s", request.method, request.path, exc.__class__.__name__)
        return _page(503, _("Planbuilder is briefly unavailable"),
                     _("We cannot reach the database right now. Nothing you saved has been lost; please try "
                       "again in a minute."))

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unexpected error during %s %s", request.method, request.path)
        _rollback_quietly()
        return _page(500, _("Something went wrong"),
                     _("The error has been logged. Please try again; if it happens again, tell your "
                       "administrator what you were doing."))
