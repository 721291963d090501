"""Sign-in sessions that end: on sign-out, after a time without any request (idle), and at the latest a fixed
time after signing in (absolute). An autosave is a request, so typing keeps a session alive.

The browser's cookie holds a random token; the database keeps only its hash and when it was last seen, so a
copied cookie opens nothing once the session has ended, whatever its signature says.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...models import SignInSession, User, utcnow
from ..tokens import hash_token, new_token

log = logging.getLogger(__name__)

# Writing "last seen" on every request would add a write to each autosave; once a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


def start(user: User) -> str:
    """A new session for the user; the token to keep in their (signed) session cookie."""
    token, token_hash = new_token()
    db.session.add(SignInSession(token_hash=token_hash, user_id=user.id))
    db.session.commit()
    return token


def signed_in(user_id: int, token: str | None) -> tuple[User, SignInSession] | None:
    """The user and this browser's session of theirs, read together: every request asks, so in one query."""
    if not token:
        return None
    found = db.session.execute(select(User, SignInSession).join(SignInSession, SignInSession.user_id == User.id)
                               .where(User.id == user_id, SignInSession.token_hash == hash_token(token))).first()
    return (found[0], found[1]) if found else None


def is_alive(found: SignInSession, activity: bool = True) -> bool:
    """Whether this browser's session is still open; one found past its limits is ended. A request the page
    makes on its own (activity=False: the presence poll) does not count as the person being active."""
    if found.ended_at is not None:
        return False
    now = utcnow()
    config = current_app.config
    idle, absolute = timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_MAX_HOURS"])
    if now - found.last_seen_at > idle or now - found.created_at > absolute:
        found.ended_at = now
        db.session.commit()
        return False
    if activity and now - found.last_seen_at > TOUCH_EVERY:
        found.last_seen_at = now
        db.session.commit()
    return True


def end(token: str | None) -> None:
    """Sign-out: this browser's session ends on the server too."""
    if not token:
        return
    found = db.session.get(SignInSession, hash_token(token))
    if found is not None and found.ended_at is None:
        found.ended_at = utcnow()
        db.session.commit()


def open_sessions(user: User) -> list[SignInSession]:
    return list(db.session.scalars(select(SignInSession).where(SignInSession.user_id == user.id,
                                                               SignInSession.ended_at.is_(None))))


# --- who else is here ------------------------------------------------------------------------------------------

# A page says it is still open every 20 seconds; one not heard of for three of those has been left.
PRESENT_FOR = timedelta(seconds=60)


def mark_viewing(token: str | None, where: str) -> None:
    """This browser has the section `where` ("plan id/section id") open now."""
    found = db.session.get(SignInSession, hash_token(token)) if token else None
    if found is None:
        return
    found.viewing, found.viewing_at = where, utcnow()
    try:
        db.session.commit()
    except SQLAlchemyError:  # a courtesy: a page must still open when this cannot be written (a full disk)
        db.session.rollback()
        log.warning("could not record which section a browser has open", exc_info=True)


def others_viewing(user: User, where: str) -> list[User]:
    """The other people whose browsers have `where` open now, by name."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(
            select(SignInSession.user_id).where(SignInSession.viewing == where,
                                                SignInSession.viewing_at >= utcnow() - PRESENT_FOR,
                                                SignInSession.ended_at.is_(None),
                                                SignInSession.user_id != user.id)))
        .order_by(User.display_name)))
