"""Which municipality the current request works in, and with which role; and who may share a version.

A neutral module: the views scope every object through it, and the language and clock of a page follow it, so
it belongs to neither.
"""
from __future__ import annotations

from flask import g, session
from flask_login import current_user

from .models import PlanVersion, Role, VersionStatus
from .services.people.accounts import Access, access_to, memberships


def current_access() -> Access | None:
    """The signed-in user's access to the municipality they are working in (kept in the session)."""
    if "access" in g:
        return g.access
    g.access = None
    if current_user.is_authenticated:
        chosen = session.get("municipality_id")
        access = access_in(chosen) if isinstance(chosen, int) else None
        if access is None:
            first = next(iter(memberships(current_user)), None)
            access = Access(first.municipality, first.role) if first else None
        g.access = access
    return g.access


def access_in(municipality_id: int) -> Access | None:
    """The signed-in user's access to one municipality, read once per request: a plan's page asks for its plan's
    municipality and for the one the person works in (its language and clock), nearly always the same, and a
    second read after a save's commit would cost the save's reply two more queries."""
    known = g.setdefault("accesses", {})
    if municipality_id not in known:
        known[municipality_id] = access_to(current_user, municipality_id)
    return known[municipality_id]


# Versions a reviewer may share with a read-only link: the one they review, and the adopted plan.
REVIEWER_SHARES = (VersionStatus.IN_REVIEW.value, VersionStatus.ADOPTED.value)


def may_share(access: Access | None, version: PlanVersion) -> bool:
    """Who may make a share link to a version: editors and admins always, reviewers for a version in review or
    adopted. Revoking stays with editors and admins (views/scope.py share_link_or_404)."""
    if access is None:
        return False
    return access.can_edit or (access.role == Role.REVIEWER.value and version.status in REVIEWER_SHARES)
