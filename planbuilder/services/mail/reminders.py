"""Date-driven mail, for `flask --app app notify due` run daily by cron: the plan in force is due for review,
and measures of the plan in force are late.

Each adopted version that is its plan's plan in force and has a review-by date gets a reminder 60 days before
that date and another 14 days before. A day the command did not run is made up the next time: a reminder is due
from its day on, until the review-by date (an overdue plan gets none). Only the nearest one is sent, so a plan
adopted 30 days before its review-by date gets the 60-day reminder once, and the 14-day one later. Each reminder
sent is a row in mail_reminder (version, kind) written with its mails in one transaction: a second run, or a
concurrent one, finds the row (or fails to write it) and sends nothing.

A measure that passes its deadline without being done or dropped is told of once: one mail per plan for the
measures late since the last run, each measure then recorded as a row ("late.<row id>") of the version.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import clock
from ...extensions import db
from ...models import MailReminder, PlanVersion, VersionStatus
from ..plans import follow_up
from . import messages

# Each reminder's kind (a mail_reminder row), by how many days before the review-by date it is due; nearest first.
REMINDERS = (("review.14", 14), ("review.60", 60))
LATE = "late."  # a late measure told of: "late." and its row id


@dataclass(frozen=True)
class Reminded:
    versions: int  # review-by reminders queued (one per version and kind)
    mails: int     # mails queued for them, and for late measures
    late: int = 0  # measures newly late, told of


def send_due(today: date | None = None) -> Reminded:
    """Queue every reminder due today (on the configured clock) and not queued before."""
    today = today or clock.local_today()
    reminded = mails = 0
    with links_from_command():
        for version_id, kind in _due(today):
            queued = _remind(version_id, kind)
            if queued is not None:
                reminded, mails = reminded + 1, mails + queued
        late = 0
        for version_id, row_ids in _newly_late(today).items():
            queued = _tell_late(version_id, row_ids)
            if queued is not None:
                late, mails = late + len(row_ids), mails + queued
    return Reminded(reminded, mails, late)


def _due(today: date) -> list[tuple[int, str]]:
    """(version, reminder kind) for each plan in force whose nearest reminder is due and not yet queued."""
    in_force = select(PlanVersion.id, PlanVersion.review_by).where(
        PlanVersion.status == VersionStatus.ADOPTED.value, PlanVersion.review_by.is_not(None),
        PlanVersion.review_by >= today, PlanVersion.review_by <= today + timedelta(days=REMINDERS[-1][1]))
    queued = {(version_id, kind) for version_id, kind in
              db.session.execute(select(MailReminder.version_id, MailReminder.kind))}
    due = []
    for version_id, review_by in db.session.execute(in_force):
        kind = next(kind for kind, days in REMINDERS if today >= review_by - timedelta(days=days))
        if (version_id, kind) not in queued:
            due.append((version_id, kind))
    return due


def _newly_late(today: date) -> dict[int, list[str]]:
    """Row ids of the measures of each plan in force that are late and were not told of before."""
    told = {(version_id, kind) for version_id, kind in db.session.execute(
        select(MailReminder.version_id, MailReminder.kind).where(MailReminder.kind.startswith(LATE)))}
    in_force = list(db.session.scalars(select(PlanVersion).where(PlanVersion.status == VersionStatus.ADOPTED.value)))
    entries: dict[int, list] = {}
    for entry in follow_up.entries_of([v.id for v in in_force]):
        entries.setdefault(entry.version_id, []).append(entry)
    found = {}
    for version in in_force:
        late = [m.row_id for m in follow_up.measures_of(version, entries=entries.get(version.id, []))
                if m.is_late(today) and (version.id, LATE + m.row_id) not in told]
        if late:
            found[version.id] = late
    return found


def _tell_late(version_id: int, row_ids: list[str]) -> int | None:
    """The measures' records and the plan's mails, in one transaction; None when another run told of them."""
    try:
        db.session.add_all([MailReminder(version_id=version_id, kind=LATE + row_id) for row_id in row_ids])
        db.session.flush()
        queued = messages.measures_late(db.session.get(PlanVersion, version_id), len(row_ids))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return queued


def _remind(version_id: int, kind: str) -> int | None:
    """The reminder's record and its mails, in one transaction; None when another run queued it first."""
    try:
        db.session.add(MailReminder(version_id=version_id, kind=kind))
        db.session.flush()
        queued = messages.review_due(db.session.get(PlanVersion, version_id))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return queued


@contextmanager
def links_from_command() -> Iterator[None]:
    """url_for(..., _external=True) outside a request: links under BASE_URL, the address people reach us at."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        yield
