"""Mail to people, one row per message: the durable record of what was to be sent, and how that went.

The row is written in the same transaction as the event it tells of, so a mail is never lost with a request;
delivery happens later, out of the request (services/mail/outbox.py), and marks the row sent exactly once.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import Municipality, User, UTCDateTime, _in_list, utcnow


class MailState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by one deliverer: nobody else sends it meanwhile
    SENT = "sent"
    FAILED = "failed"    # the last attempt failed; tried again at next_attempt_at, if that is set


MAIL_STATES = tuple(s.value for s in MailState)


class MailMessage(db.Model):
    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose admins see it: the municipality the event happened in.
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    # Composed when the event happens, in the recipient's language; what is sent is exactly what is stored.
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=MailState.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Due for (another) attempt from this moment; None once sent or given up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipality: Mapped[Municipality] = relationship()
    user: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(_in_list("state", MAIL_STATES), name="ck_mail_message_state"),)

    def __repr__(self) -> str:
        return f"<MailMessage {self.id} {self.kind} to={self.recipient} {self.state}>"


class MailOptOut(db.Model):
    """A kind of mail (services/mail/messages.KINDS) a person turned off on their account page; without a row,
    they get it."""

    __tablename__ = "mail_opt_out"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)

    def __repr__(self) -> str:
        return f"<MailOptOut user={self.user_id} {self.kind}>"


class MailReminder(db.Model):
    """A date-driven reminder (services/mail/reminders.py) that was queued for a version: the primary key lets
    `flask --app app notify due` queue each one once, however often (or however concurrently) it runs."""

    __tablename__ = "mail_reminder"

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<MailReminder version={self.version_id} {self.kind}>"
