"""Date-driven mail, for `flask --app app notify due` run daily by cron: the plan in force is due for review.

Each adopted version that is its plan's plan in force and has a review-by date gets a reminder 60 days before
that date and another 14 days before. A day the command did not run is made up the next time: a reminder is due
from its day on, until the review-by date (an overdue plan gets none). Only the nearest one is sent, so a plan
adopted 30 days before its review-by date gets the 60-day reminder once, and the 14-day one later. Each reminder
sent is a row in mail_reminder (version, kind) written with its mails in one transaction: a second run, or a
concurrent one, finds the row (or fails to write it) and sends nothing.
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
from . import messages

# Each reminder's kind (a mail_reminder row), by how many days before the review-by date it is due; nearest first.
REMINDERS = (("review.14", 14), ("review.60", 60))


@dataclass(frozen=True)
class Reminded:
    versions: int  # reminders queued (one per version and kind)
    mails: int     # mails queued for them


def send_due(today: date | None = None) -> Reminded:
    """Queue every reminder due today (on the configured clock) and not queued before."""
    today = today or clock.local_today()
    reminded = mails = 0
    with links_from_command():
        for version_id, kind in _due(today):
            queued = _remind(version_id, kind)
            if queued is not None:
                reminded, mails = reminded + 1, mails + queued
    return Reminded(reminded, mails)


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
