"""Which kinds of mail (messages.KINDS) a person gets: all of them, but those they turned off on their account
page. messages.py leaves out whoever turned an event's kind off."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from ...extensions import db
from ...models import MailOptOut, User
from ..people.accounts import record_for_user
from .messages import KINDS


def kinds_wanted(user: User) -> list[str]:
    """The kinds the person gets, in KINDS' order."""
    off = set(db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == user.id)))
    return [kind for kind in KINDS if kind not in off]


def set_kinds_wanted(user: User, wanted: Iterable[str]) -> bool:
    """Keep the kinds `wanted` (unknown ones ignored) and turn the others off; audited. Returns whether changed."""
    before = kinds_wanted(user)
    after = [kind for kind in KINDS if kind in set(wanted)]
    if after == before:
        return False
    db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user.id))
    db.session.add_all(MailOptOut(user_id=user.id, kind=kind) for kind in KINDS if kind not in after)
    record_for_user("user.mail_preferences", user, user.id, wanted=after,
                    turned_off=[kind for kind in KINDS if kind not in after])
    db.session.commit()
    return True
