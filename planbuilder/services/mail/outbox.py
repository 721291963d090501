"""The outbox: mail is recorded in the transaction of the event it tells of, and delivered after the commit.

A request only adds rows. Once its transaction commits, the rows are handed to the background worker (the
embedded worker thread, or RQ with QUEUE_URL) as one task; the job sweep and `flask --app app mail send` deliver
whatever is still due, so a mail whose worker died or whose server was down is sent later, never lost. Each row
is claimed before it is sent (only one deliverer ever has it) and marked sent once; a failure keeps the row
`failed` with its reason and tries again after a growing pause, up to MAIL_MAX_ATTEMPTS.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, select, update

from ...extensions import db
from ...models import MailMessage, MailState, User, utcnow
from .. import paging
from ..jobs import queue, runner
from . import transport

log = logging.getLogger(__name__)

MAILS = MailMessage.__table__
DUE_STATES = (MailState.QUEUED.value, MailState.FAILED.value)
# A mail claimed this long ago and still not sent lost its deliverer (the process stopped mid-send).
INTERRUPTED_AFTER = timedelta(minutes=10)
ADMIN_PAGE_SIZE = 50
# The last error of a mail whose deliverer stopped mid-send (shown to admins in their language).
INTERRUPTED = "interrupted"
# The last error of a mail to someone deactivated after it was queued: it is not sent, nor tried again.
DEACTIVATED = "deactivated"
# Set on a session that added mail: its commit hands the delivery to the worker.
_WAITING = "planbuilder.mail_waiting"


def add(person: User, municipality_id: int, kind: str, subject: str, body_text: str, body_html: str) -> MailMessage:
    """Record a mail to `person` in the current transaction; it is sent once that commits."""
    subject = " ".join(subject.split())[:300]  # one line, whatever a plan's title holds
    mail = MailMessage(municipality_id=municipality_id, user_id=person.id, recipient=person.email, kind=kind,
                       subject=subject, body_text=body_text, body_html=body_html, state=MailState.QUEUED.value,
                       attempts=0, next_attempt_at=utcnow())
    db.session.add(mail)
    db.session.info[_WAITING] = True
    return mail


@event.listens_for(db.session, "after_commit")
def _hand_over_after_commit(session) -> None:
    if session.info.pop(_WAITING, False):
        queue.submit_task(f"{__name__}.deliver")


@event.listens_for(db.session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(_WAITING, None)


@dataclass(frozen=True)
class Delivered:
    sent: int
    failed: int


def deliver() -> Delivered:
    """The worker's task (a thread, or RQ in another process, which may have no app context yet)."""
    if has_app_context():
        return deliver_due()
    with runner.worker_app().app_context():
        return deliver_due()


@runner.on_sweep
def deliver_due() -> Delivered:
    """Send every mail that is due, oldest first (the worker's task, the sweep, `flask --app app mail send`)."""
    now = utcnow()
    _recover_interrupted(now)
    due = db.session.scalars(select(MailMessage.id).where(
        MailMessage.state.in_(DUE_STATES), MailMessage.next_attempt_at <= now).order_by(MailMessage.id)).all()
    sent = failed = 0
    for mail_id in due:
        if _claim(mail_id, now):  # else another deliverer has it
            if _send(db.session.get(MailMessage, mail_id)):
                sent += 1
            else:
                failed += 1
    return Delivered(sent, failed)


def _send(mail: MailMessage) -> bool:
    if mail.user is not None and not mail.user.active:
        mail.state, mail.last_error, mail.next_attempt_at = MailState.FAILED.value, DEACTIVATED, None
        db.session.commit()
        return False
    try:
        transport.deliver(mail)
    except transport.NotDelivered as exc:
        _failed(mail, str(exc))
        return False
    except Exception as exc:  # a fault of ours: the mail is kept and retried, the traceback logged
        log.exception("mail %s could not be made or sent", mail.id)
        _failed(mail, f"{type(exc).__name__}: {exc}")
        return False
    mail.state, mail.sent_at, mail.next_attempt_at = MailState.SENT.value, utcnow(), None
    db.session.commit()
    return True


def _claim(mail_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(MAILS).where(MAILS.c.id == mail_id, MAILS.c.state.in_(DUE_STATES), MAILS.c.next_attempt_at <= now)
        .values(state=MailState.SENDING.value, attempts=MAILS.c.attempts + 1, attempted_at=utcnow()))
    db.session.commit()
    return bool(claimed.rowcount)


def _failed(mail: MailMessage, reason: str) -> None:
    log.warning("mail %s (%s to %s) not delivered on attempt %s: %s", mail.id, mail.kind, mail.recipient,
                mail.attempts, reason)
    mail.state, mail.last_error, mail.next_attempt_at = MailState.FAILED.value, reason[:500], _next_attempt(mail)
    db.session.commit()


def _next_attempt(mail: MailMessage) -> datetime | None:
    """After a growing pause (doubling, at most an hour); None when the attempts are used up."""
    config = current_app.config
    if mail.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        return None
    pause = min(config["MAIL_RETRY_SECONDS"] * 2 ** (mail.attempts - 1), 3600)
    return utcnow() + timedelta(seconds=pause)


def _recover_interrupted(now: datetime) -> None:
    """A mail whose deliverer stopped mid-send is tried again: perhaps sent twice (with the same Message-ID),
    rather than never."""
    stuck = db.session.scalars(select(MailMessage).where(MailMessage.state == MailState.SENDING.value,
                                                         MailMessage.attempted_at < now - INTERRUPTED_AFTER)).all()
    for mail in stuck:
        _failed(mail, INTERRUPTED)


def mails_of(municipality_id: int, asked: int | None) -> paging.Page[MailMessage]:
    """One page of the municipality's mails, newest first, for its admins."""
    query = (select(MailMessage).where(MailMessage.municipality_id == municipality_id)
             .order_by(MailMessage.id.desc()))
    return paging.page_of(query, asked, ADMIN_PAGE_SIZE)
