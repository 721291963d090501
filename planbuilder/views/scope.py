"""Fetch-or-404 helpers that enforce the municipality scope, so no view has to remember it.

A user sees an object only through a membership of the object's municipality; anything else is a 404, which
tells an outsider nothing about whether the object exists.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from ..access import access_in, current_access
from ..extensions import db
from ..models import Comment, Membership, Plan, PlanVersion, ShareLink
from ..services.people import admin as admin_service
from ..services.people.accounts import Access


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
    access = access_in(plan.municipality_id) if plan else None
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


@dataclass(frozen=True)
class ScopedComment:
    comment: Comment
    version: PlanVersion
    plan: Plan
    access: Access


def comment_or_404(comment_id: int) -> ScopedComment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    scoped = version_or_404(comment.version_id)
    return ScopedComment(comment, scoped.version, scoped.plan, scoped.access)


@dataclass(frozen=True)
class ScopedShareLink:
    link: ShareLink
    version: PlanVersion
    plan: Plan
    access: Access


def share_link_or_404(link_id: int) -> ScopedShareLink:
    """Share links are managed by editors and admins only: a reviewer gets 403, an outsider 404."""
    link = db.session.get(ShareLink, link_id)
    if link is None:
        abort(404)
    scoped = version_or_404(link.version_id, edit=True)
    return ScopedShareLink(link, scoped.version, scoped.plan, scoped.access)


def admin_access() -> Access:
    """The current municipality, when the signed-in user administers it; 403 otherwise."""
    access = current_access()
    if access is None or not access.can_administer:
        abort(403)
    return access


@dataclass(frozen=True)
class ScopedMember:
    membership: Membership
    access: Access


def member_or_404(user_id: int) -> ScopedMember:
    """A member of the municipality the admin is working in; anyone else is a 404, whoever they are."""
    access = admin_access()
    membership = admin_service.membership_of(access.municipality.id, user_id)
    if membership is None:
        abort(404)
    return ScopedMember(membership, access)
