"""Which municipality the current request works in, and with which role.

A neutral module: the views scope every object through it, and the language and clock of a page follow it, so
it belongs to neither.
"""
from __future__ import annotations

from flask import g, session
from flask_login import current_user

from .services.people.accounts import Access, access_to, memberships


def current_access() -> Access | None:
    """The signed-in user's access to the municipality they are working in (kept in the session)."""
    if "access" in g:
        return g.access
    g.access = None
    if current_user.is_authenticated:
        chosen = session.get("municipality_id")
        access = access_to(current_user, chosen) if isinstance(chosen, int) else None
        if access is None:
            first = next(iter(memberships(current_user)), None)
            access = Access(first.municipality, first.role) if first else None
        g.access = access
    return g.access
