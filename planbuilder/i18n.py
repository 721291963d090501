"""UI languages: which locale a request gets, and compiling the message catalogues.

The .po catalogues are the source (planbuilder/translations/); the .mo files Flask-Babel reads are compiled
from them into instance/ at start-up when missing or older, so no binary build product is committed.

The language comes from the signed-in user's setting, else their municipality's, else the browser's
Accept-Language, else English. Nothing else (no session key, no query parameter) chooses it, so a signed-out page
is always in the browser's language.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_request_context, request
from sqlalchemy.exc import SQLAlchemyError

from .access import current_access
from .clock import country_timezone
from .locales import ui_languages

SOURCE_DIR = Path(__file__).parent / "translations"


def compile_catalogues(target_dir: Path) -> None:
    for po_path in SOURCE_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target_dir / po_path.relative_to(SOURCE_DIR).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=po_path.parts[-3])
        # Write then rename, so another app process never reads a half-written file.
        fd, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalogue, use_fuzzy=False)
        os.replace(temporary, mo_path)


def select_locale() -> str:
    """The user's own setting, else the current municipality's language, else the browser's preference."""
    if not has_request_context():  # a command in a terminal: no user, no browser
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = ui_languages()
    user = _loaded_user()
    if user is not None and user.language in languages:
        return user.language
    access = _request_access(user)
    if access is not None and access.municipality.language in languages:
        return access.municipality.language
    return _browser_language(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The clock of the municipality the person works in: its country's time zone, so "Saved 14.05" is the time
    on the coordinator's wall, not the server's UTC. Elsewhere (signed out, a terminal) the configured default."""
    default = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if not has_request_context():
        return default
    access = _request_access(_loaded_user())
    if access is None:
        return default
    return country_timezone(access.municipality.country) or default


# Browsers set to Norwegian may send only the macrolanguage "no", or Nynorsk; Bokmål serves both better than English.
NORWEGIAN = {"no": "nb", "nn": "nb"}


def _browser_language(languages) -> str | None:
    """The first of the browser's languages, in its order of preference, that we have (by primary subtag)."""
    for value, _quality in request.accept_languages:
        primary = value.replace("_", "-").split("-")[0].lower()
        primary = NORWEGIAN.get(primary, primary)
        if primary in languages:
            return primary
    return None


def _loaded_user():
    """The signed-in user if this request has loaded them already, else None. Never loaded here: that would
    query the database, and the "database unavailable" page must render without it."""
    user = g.get("_login_user")
    return user if user is not None and user.is_authenticated else None


def _request_access(user):
    """The municipality access of this request: the one the view scoped (g.access), else the user's own."""
    access = g.get("access")
    if access is None and user is not None:
        access = _working_access()
    return access


def _working_access():
    """The municipality the user works in, for pages that scope access by their plan and so leave g.access unset.

    A query, but only for a user already loaded, which proved the database answers; if it fails after all, the
    language falls back to the browser's rather than the error page failing too.
    """
    try:
        return current_access()
    except SQLAlchemyError:
        return None
