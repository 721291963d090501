"""The review round: comments on the sections of a version, replies, resolving, and the summary of what is open.

Who may do what, decided here once:
- a new comment: any member (reviewer, editor, admin), only while the version is in review;
- a reply: any member, while the version is in work (in review, or back in draft after a withdrawal, when the
  editors answer what the reviewers raised);
- resolve / reopen a thread: editors and admins, while the version is in work;
- an adopted or superseded version's comments are its history: read-only.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import WORKING_STATUSES, Comment, PlanVersion, User, VersionStatus, utcnow
from ...plan_templates import PlanTemplate, Section
from ..people import audit
from ..people.accounts import Access
from .plans import template_for

COMMENT_MAX_LENGTH = 5000


class ReviewError(ValueError):
    """A refused comment; the message is shown next to the comment box. The view's forms (forms.CommentForm)
    check what is typed with the same messages; clean_body still guards what any caller stores."""


class NotAllowed(Exception):
    """The role or the version's status does not allow this (the view answers 403)."""


# --- who may do what ------------------------------------------------------------------------------------------

def may_comment(access: Access, version: PlanVersion) -> bool:
    return access.can_comment and version.status == VersionStatus.IN_REVIEW.value


def may_reply(access: Access, version: PlanVersion) -> bool:
    return access.can_comment and version.status in WORKING_STATUSES


def may_resolve(access: Access, version: PlanVersion) -> bool:
    return access.can_edit and version.status in WORKING_STATUSES


# --- changes --------------------------------------------------------------------------------------------------

def clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ReviewError(_("Write your comment before sending it."))
    if len(text) > COMMENT_MAX_LENGTH:
        raise ReviewError(_("A comment can have at most %(limit)s characters; this one has %(count)s.",
                            limit=COMMENT_MAX_LENGTH, count=len(text)))
    if "\x00" in text:
        raise ReviewError(_("The comment contains a character that cannot be stored (a null byte)."))
    return text


def section_of(version: PlanVersion, section_id: str) -> Section | None:
    return template_for(version.template_id).section(section_id)


def add_comment(access: Access, version: PlanVersion, section_id: str, body: str, user: User) -> Comment:
    if not may_comment(access, version):
        raise NotAllowed()
    if section_of(version, section_id) is None:
        raise ReviewError(_("This plan has no such section."))
    comment = Comment(version_id=version.id, section_id=section_id, body=clean_body(body), author_id=user.id)
    db.session.add(comment)
    db.session.flush()
    audit.record("comment.create", user_id=user.id, municipality_id=version.plan.municipality_id, obj=comment,
                 version=version.id, section=section_id)
    db.session.commit()
    return comment


def thread_of(comment: Comment) -> Comment:
    """The first comment of the thread a comment belongs to (replies are one level deep)."""
    return comment if comment.parent_id is None else db.session.get(Comment, comment.parent_id)


def reply(access: Access, comment: Comment, body: str, user: User) -> Comment:
    version = comment.version
    if not may_reply(access, version):
        raise NotAllowed()
    first = thread_of(comment)
    answer = Comment(version_id=version.id, section_id=first.section_id, parent_id=first.id,
                     body=clean_body(body), author_id=user.id)
    db.session.add(answer)
    db.session.flush()
    audit.record("comment.reply", user_id=user.id, municipality_id=version.plan.municipality_id, obj=answer,
                 version=version.id, section=first.section_id, thread=first.id)
    db.session.commit()
    return answer


def set_resolved(access: Access, comment: Comment, resolved: bool, user: User) -> bool:
    """Resolve or reopen a thread; returns whether anything changed."""
    if not may_resolve(access, comment.version):
        raise NotAllowed()
    first = thread_of(comment)
    if first.is_resolved == resolved:
        return False
    first.resolved_at = utcnow() if resolved else None
    first.resolved_by_id = user.id if resolved else None
    audit.record("comment.resolve" if resolved else "comment.reopen", user_id=user.id,
                 municipality_id=comment.version.plan.municipality_id, obj=first, version=first.version_id,
                 section=first.section_id)
    db.session.commit()
    return True


# --- reading --------------------------------------------------------------------------------------------------

def threads(version: PlanVersion, section_id: str | None = None, *, open_only: bool = False) -> list[Comment]:
    """First comments of threads (replies loaded with them), oldest first."""
    query = (select(Comment).where(Comment.version_id == version.id, Comment.parent_id.is_(None))
             .options(selectinload(Comment.replies).selectinload(Comment.author), selectinload(Comment.author))
             .order_by(Comment.id))
    if section_id is not None:
        query = query.where(Comment.section_id == section_id)
    if open_only:
        query = query.where(Comment.resolved_at.is_(None))
    return list(db.session.scalars(query))


def open_counts(version: PlanVersion) -> dict[str, int]:
    """Open threads per section id."""
    rows = db.session.execute(
        select(Comment.section_id, func.count()).where(Comment.version_id == version.id,
                                                       Comment.parent_id.is_(None), Comment.resolved_at.is_(None))
        .group_by(Comment.section_id))
    return {section_id: count for section_id, count in rows}


@dataclass(frozen=True)
class CommentCounts:
    threads: int
    open: int
    comments: int  # threads and replies


def counts(version: PlanVersion) -> CommentCounts:
    rows = db.session.execute(select(Comment.parent_id.is_(None), Comment.resolved_at.is_(None))
                              .where(Comment.version_id == version.id)).all()
    tally = Counter((bool(first), bool(unresolved)) for first, unresolved in rows)
    return CommentCounts(threads=tally[(True, True)] + tally[(True, False)], open=tally[(True, True)],
                         comments=len(rows))


@dataclass(frozen=True)
class SectionThreads:
    section: Section
    number: int | None  # as the document numbers it; None for a foreword
    threads: list[Comment]
    open: int


def summary(version: PlanVersion, *, open_only: bool) -> list[SectionThreads]:
    """Per section of the template, in the plan's order: its threads (only the open ones if asked)."""
    template: PlanTemplate = template_for(version.template_id)
    by_section: dict[str, list[Comment]] = {}
    for thread in threads(version):
        by_section.setdefault(thread.section_id, []).append(thread)
    result = []
    for section in template.sections:
        found, number = by_section.get(section.id, []), template.section_number(section.id)
        shown = [t for t in found if not t.is_resolved] if open_only else found
        if shown:
            result.append(SectionThreads(section, number, shown, sum(1 for t in found if not t.is_resolved)))
    return result


@dataclass
class Panel:
    """What the comment panel of one section shows and offers; built once for the page and its fragment."""

    version: PlanVersion
    section: Section
    threads: list[Comment]
    can_comment: bool
    can_reply: bool
    can_resolve: bool
    back: str = "review"
    # The comment or reply form that was sent and refused (forms.CommentForm, ReplyForm): the text kept, and the
    # messages shown next to its box, the one whose id is its body's id. None: every box is empty.
    refused: Any = None

    @property
    def limit(self) -> int:
        return COMMENT_MAX_LENGTH

    @property
    def open(self) -> int:
        return sum(1 for t in self.threads if not t.is_resolved)


def panel(access: Access, version: PlanVersion, section: Section, back: str = "review", **extra) -> Panel:
    return Panel(version=version, section=section, threads=threads(version, section.id),
                 can_comment=may_comment(access, version), can_reply=may_reply(access, version),
                 can_resolve=may_resolve(access, version), back=back, **extra)
