"""How people get in: one-time sign-in links, signed-in sessions and invitations to another municipality."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import ROLES, Municipality, User, UTCDateTime, _in_list, utcnow


class SignInSession(db.Model):
    """One signed-in browser. The cookie holds a random token, this row its hash: sign-out and the idle and
    absolute time limits end the session here, so a copied cookie opens nothing afterwards."""

    __tablename__ = "sign_in_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The section this browser last had open ("plan id/section id") and when it last said so, for "who else is
    # here". Apart from last_seen_at: an open page's presence poll must never keep an idle session alive.
    viewing: Mapped[str | None] = mapped_column(String(80), index=True)
    viewing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInLink(db.Model):
    """A one-time link with which a new (or locked-out) user chooses their password; only its hash is kept."""

    __tablename__ = "sign_in_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<SignInLink {self.id} user={self.user_id}>"


class Invitation(db.Model):
    """An admin's invitation for an existing account to work in their municipality too. The account belongs to
    its person, not to the admin: the membership exists only once the person has accepted, signed in."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The hash of the link the admin passes on to a person who already has an account: it leads to signing in
    # and grants nothing by itself (a new account's link is a SignInLink, which sets the password).
    link_hash: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    municipality: Mapped[Municipality] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "municipality_id", name="uq_invitation_user_municipality"),
        UniqueConstraint("link_hash", name="uq_invitation_link_hash"),
        CheckConstraint(_in_list("role", ROLES), name="ck_invitation_role"),
    )

    def __repr__(self) -> str:
        return f"<Invitation user={self.user_id} municipality={self.municipality_id} {self.role}>"
