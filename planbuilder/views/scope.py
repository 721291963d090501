"""Fetch-or-404 helpers that enforce the municipality scope, so no view has to remember it.

A user sees an object only through a membership of the object's municipality; anything else is a 404, which
tells an outsider nothing about whether the object exists.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, session
from flask_login import current_user

from ..extensions import db
from ..models import Plan, PlanVersion
from ..services.accounts import Access, access_to, memberships


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


@dataclass(frozen=True)
class ScopedPlan:
    plan: Plan
    access: Access


@dataclass(frozen=True)
class ScopedVersion:
    version: PlanVersion
    plan: Plan
    access: Access


def plan_or_404(plan_id: int, *, edit: bool = False) -> ScopedPlan:
    plan = db.session.get(Plan, plan_id)
    access = access_to(current_user, plan.municipality_id) if plan else None
    if access is None:
        abort(404)
    if edit and not access.can_edit:
        abort(403)
    return ScopedPlan(plan, access)


def version_or_404(version_id: int, *, edit: bool = False) -> ScopedVersion:
    version = db.session.get(PlanVersion, version_id)
    if version is None:
        abort(404)
    scoped = plan_or_404(version.plan_id, edit=edit)
    return ScopedVersion(version, scoped.plan, scoped.access)
