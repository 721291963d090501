"""The review round: comments on the sections of a version, replies, resolving, and the summary of what is open.

Who may do what, decided here once:
- a new comment: any member (reviewer, editor, admin), only while the version is in review;
- a reply: any member, while the version is in work (in review, or back in draft after a withdrawal, when the
  editors answer what the reviewers raised);
- resolve / reopen a thread: editors and admins, while the version is in work;
- an adopted or superseded version's comments are its history: read-only.
A comment or reply is told by mail to the people in its thread and the editors (mail.comment_written).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import WORKING_STATUSES, Comment, PlanVersion, User, VersionStatus, utcnow
from ...plan_templates import PlanTemplate, Section
from ..mail import messages as mail
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
    mail.comment_written(comment, thread_page(comment))
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
    mail.comment_written(answer, thread_page(first))
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
#
# A section may gather thousands of threads, so nothing here loads them all: a page of a section's threads, its
# newest few, or the first few of every section, each in the same number of queries however many there are.
# Threads keep the order they were started in (oldest first) wherever they are listed.

THREADS_PER_PAGE = 20
NEWEST_SHOWN = 3  # on the editor's section page; the others are on the section's review page
SUMMARY_SHOWN = 10  # per section on the review summary


def _threads_of(version_id: int, section_id: str | None = None) -> list:
    """The conditions that pick the threads (their first comments) of a version, or of one of its sections."""
    conditions = [Comment.version_id == version_id, Comment.parent_id.is_(None)]
    if section_id is not None:
        conditions.append(Comment.section_id == section_id)
    return conditions


def _shown_in_full(*conditions):
    """Threads with their replies and everyone named in them, loaded in a fixed number of queries."""
    return (select(Comment).where(*conditions).order_by(Comment.id)
            .options(selectinload(Comment.replies).selectinload(Comment.author), selectinload(Comment.author),
                     selectinload(Comment.resolved_by)))


def _tallies(version_id: int, section_id: str | None = None) -> dict[str, tuple[int, int]]:
    """Per section id: how many threads, and how many of them open."""
    rows = db.session.execute(
        select(Comment.section_id, func.count(), func.count(case((Comment.resolved_at.is_(None), 1))))
        .where(*_threads_of(version_id, section_id)).group_by(Comment.section_id))
    return {section: (threads, still_open) for section, threads, still_open in rows}


def open_counts(version: PlanVersion) -> dict[str, int]:
    """Open threads per section id (sections without any left out)."""
    return {section: still_open for section, (_, still_open) in _tallies(version.id).items() if still_open}


@dataclass(frozen=True)
class CommentCounts:
    threads: int
    open: int
    comments: int  # threads and replies


def counts(version: PlanVersion) -> CommentCounts:
    first = Comment.parent_id.is_(None)
    threads, still_open, comments = db.session.execute(
        select(func.count(case((first, 1))), func.count(case((and_(first, Comment.resolved_at.is_(None)), 1))),
               func.count()).where(Comment.version_id == version.id)).one()
    return CommentCounts(threads=threads, open=still_open, comments=comments)


def thread_page(thread: Comment) -> int:
    """The page of its section's review page that a thread is on."""
    before = db.session.scalar(select(func.count()).where(*_threads_of(thread.version_id, thread.section_id),
                                                          Comment.id < thread.id))
    return before // THREADS_PER_PAGE + 1


@dataclass(frozen=True)
class SectionThreads:
    section: Section
    number: int | None  # as the document numbers it; None for a foreword
    threads: list[Comment]  # the first SUMMARY_SHOWN of those listed
    open: int
    listed: int  # how many threads the summary lists for this section: its open ones, or all of them
    replies: dict[int, int]  # per thread shown, how many replies it has

    @property
    def more(self) -> int:
        return self.listed - len(self.threads)


def summary(version: PlanVersion, *, open_only: bool) -> list[SectionThreads]:
    """Per section of the template, in the plan's order: its first threads (only the open ones if asked)."""
    template: PlanTemplate = template_for(version.template_id)
    tallies = _tallies(version.id)
    first = _first_threads_per_section(version.id, open_only)
    replies = _reply_counts([thread.id for threads in first.values() for thread in threads])
    result = []
    for section in template.sections:
        threads, still_open = tallies.get(section.id, (0, 0))
        listed = still_open if open_only else threads
        if listed:
            shown = first.get(section.id, [])
            result.append(SectionThreads(section, template.section_number(section.id), shown, still_open, listed,
                                         {thread.id: replies.get(thread.id, 0) for thread in shown}))
    return result


def _first_threads_per_section(version_id: int, open_only: bool) -> dict[str, list[Comment]]:
    """The first SUMMARY_SHOWN threads of every section (open ones only if asked), numbered per section by the
    database in one query."""
    conditions = _threads_of(version_id)
    if open_only:
        conditions.append(Comment.resolved_at.is_(None))
    numbered = select(Comment.id, func.row_number().over(partition_by=Comment.section_id, order_by=Comment.id)
                      .label("position")).where(*conditions).subquery()
    found = db.session.scalars(select(Comment).join(numbered, Comment.id == numbered.c.id)
                               .where(numbered.c.position <= SUMMARY_SHOWN)
                               .options(selectinload(Comment.author)).order_by(Comment.id))
    by_section: dict[str, list[Comment]] = {}
    for thread in found:
        by_section.setdefault(thread.section_id, []).append(thread)
    return by_section


def _reply_counts(thread_ids: list[int]) -> dict[int, int]:
    if not thread_ids:
        return {}
    rows = db.session.execute(select(Comment.parent_id, func.count()).where(Comment.parent_id.in_(thread_ids))
                              .group_by(Comment.parent_id))
    return {thread_id: replies for thread_id, replies in rows}


@dataclass
class Panel:
    """What the comment panel of one section shows and offers; built once for the page and its fragment."""

    version: PlanVersion
    section: Section
    threads: list[Comment]  # one page of them, or the newest few when collapsed
    total: int  # threads on the section
    open: int
    can_comment: bool
    can_reply: bool
    can_resolve: bool
    page: int = 1
    pages: int = 1
    # On the editor's section page: the newest threads only, and a link to the section's review page for the rest.
    collapsed: bool = False
    back: str = "review"
    # The comment or reply form that was sent and refused (forms.CommentForm, ReplyForm): the text kept, and the
    # messages shown next to its box, the one whose id is its body's id. None: every box is empty.
    refused: Any = None
    # Another page loaded in place (htmx): its heading takes keyboard focus, as a newly loaded page's top would.
    take_focus: bool = False

    @property
    def limit(self) -> int:
        return COMMENT_MAX_LENGTH

    @property
    def not_shown(self) -> int:
        return self.total - len(self.threads)


def panel(access: Access, version: PlanVersion, section: Section, back: str = "review", *, page: int = 1,
          focus: Comment | None = None, collapsed: bool = False, **extra) -> Panel:
    """One page of the section's threads: the page asked for, or the one holding `focus` (the thread just
    written to) if given. Collapsed: its newest threads, and `focus` among them."""
    total, still_open = _tallies(version.id, section.id).get(section.id, (0, 0))
    pages = 1 if collapsed else max(1, -(-total // THREADS_PER_PAGE))
    if collapsed:
        page, shown = 1, _newest_threads(version.id, section.id, focus)
    else:
        page = thread_page(focus) if focus is not None else min(max(1, page), pages)
        shown = db.session.scalars(_shown_in_full(*_threads_of(version.id, section.id))
                                   .offset((page - 1) * THREADS_PER_PAGE).limit(THREADS_PER_PAGE))
    return Panel(version=version, section=section, threads=list(shown), total=total, open=still_open,
                 can_comment=may_comment(access, version), can_reply=may_reply(access, version),
                 can_resolve=may_resolve(access, version), page=page, pages=pages, collapsed=collapsed, back=back,
                 **extra)


def _newest_threads(version_id: int, section_id: str, focus: Comment | None) -> list[Comment]:
    """The section's NEWEST_SHOWN newest threads, oldest of them first, and the thread just written to: a reply
    to a thread that newer ones have pushed out of view must not vanish from the panel it was sent from."""
    section_threads = _threads_of(version_id, section_id)
    newest = select(Comment.id).where(*section_threads).order_by(Comment.id.desc()).limit(NEWEST_SHOWN)
    shown = Comment.id.in_(newest)
    if focus is not None:
        shown = or_(shown, Comment.id == focus.id)
    return list(db.session.scalars(_shown_in_full(*section_threads, shown)))
