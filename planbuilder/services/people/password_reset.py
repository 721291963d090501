"""A forgotten password: a link by e-mail with which the person chooses a new one.

Offered only where mail reaches people (MAIL_URL): the embedded default writes mail to a folder only operators
read, so there the sign-in page says whom to ask instead. Nothing is stored for a link. It is signed with the
app's secret and carries the account and a fingerprint of its current password hash, so it works for
LINK_MINUTES and only until the password changes: once used, it is spent. Asking for one answers the same
whether or not the address has an account (the view says so), and a deactivated account gets no mail.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from ...config import mail_server
from ...extensions import db
from ...models import User, utcnow
from ..mail import messages
from ..mail.messages import Words, language_of
from . import accounts, audit

LINK_MINUTES = 60
MAIL_KIND = "account.password_reset"  # not a notification: nobody can turn it off
_SALT = "planbuilder.password-reset"


def mail_configured() -> bool:
    """Whether mail reaches people's inboxes (a mail server), rather than the outbox folder."""
    return mail_server(current_app.config["MAIL_URL"]) is not None


class _Signer(TimestampSigner):
    """Dated on our clock (models.utcnow), so tests can move it like the session clock."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT, signer=_Signer)


def _fingerprint(user: User) -> str:
    """Changes with the password hash (a new salt each time), so a used link stops working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "password": _fingerprint(user)})


def user_for(token: str) -> User | None:
    """The active account this token was made for, while it is fresh and unused; None for anything else."""
    try:
        payload = _serializer().loads(token, max_age=LINK_MINUTES * 60)
    except BadSignature:  # also an expired one (SignatureExpired)
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        return None
    user = db.session.get(User, payload["user"])
    if user is None or not user.active or not hmac.compare_digest(_fingerprint(user), str(payload.get("password"))):
        return None
    return user


def send_link(email: str) -> None:
    """Mail a link to the active account with this address, if there is one; nothing tells the caller which."""
    user = accounts.find_user(email)
    municipality_id = accounts.sign_in_municipality(user) if user is not None and user.active else None
    if municipality_id is None:  # no account, a deactivated one, or one of no municipality (its mail has no home)
        return
    municipality = next(m.municipality for m in user.memberships if m.municipality_id == municipality_id)
    link = url_for("auth.reset_password", token=make_token(user), _external=True)
    with force_locale(language_of(user, municipality)):
        words = Words(
            subject=_("Choose a new password for Planbuilder"),
            paragraphs=(_("Someone, probably you, asked for a new password for the Planbuilder account %(email)s.",
                          email=user.email),
                        _("The link works once, for %(count)s minutes. If you did not ask for it, you can ignore "
                          "this e-mail: your password stays as it is.", count=LINK_MINUTES)),
            link_text=_("Choose a new password"),
            why=_("You get this e-mail because a new password was asked for on the sign-in page."))
        messages.add(user, municipality, MAIL_KIND, link, words)
    accounts.record_for_user("user.password_reset_requested", user, None)
    db.session.commit()


def reset(user: User, password: str, confirmation: str) -> None:
    """The person chooses their new password (PasswordError names the field a refusal belongs to); every session
    of theirs ends, and the link is spent with the old password."""
    try:  # the rules of the account page's change of password
        accounts.check_new_password(password, accounts.about(user))
    except accounts.AccountError as exc:
        raise accounts.PasswordError("new", str(exc)) from None
    if password != confirmation:
        raise accounts.PasswordError("confirmation", _("The two new passwords are not the same."))
    accounts.set_password(user, password)
    accounts.record_for_user("user.password_reset", user, user.id, via="mail")
    db.session.commit()


def record_limited(email: str, address: str, limit: str) -> None:
    """A request refused by the rate limit, for the operators (no municipality: it may not be anybody's)."""
    audit.record("auth.password_reset_limited", user_id=None, municipality_id=None, email=email,
                 address=address[:64], limit=limit)
    db.session.commit()
