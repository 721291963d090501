"""Municipalities, users, memberships and signing in."""
from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request, session
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager
from zxcvbn import zxcvbn

from ... import locales
from ...extensions import db
from ...models import ROLES, Membership, Municipality, SignInLink, User, utcnow
from ..tokens import hash_token, well_formed
from . import audit, sessions

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000
DISPLAY_NAME_MAX_LENGTH = 200


def _hasher() -> PasswordHasher:
    """Argon2id, by default 64 MiB and 3 passes: deliberately slow for anyone who steals the hashes.

    The cost is configurable only so the test suite can create many users quickly; verification always
    uses the parameters stored in each hash.
    """
    config = current_app.config
    return PasswordHasher(time_cost=config.get("ARGON2_TIME_COST", 3),
                          memory_cost=config.get("ARGON2_MEMORY_COST", 65536))


class AccountError(ValueError):
    """A refused account operation; the message is shown to the person who asked."""


class PasswordError(AccountError):
    """A refused password change; field names the input the message belongs next to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_municipality(name_or_id: str) -> Municipality | None:
    """The municipality with this id, else the one with this name in any letter case: Å, Ä, Ö, Æ and Ø too,
    which SQLite's lower() leaves as they are."""
    ref = str(name_or_id).strip()
    if ref.isdecimal() and int(ref) < 2**63:
        found = db.session.get(Municipality, int(ref))
        if found:
            return found
    found = db.session.scalar(select(Municipality).where(func.lower(Municipality.name) == ref.lower())
                              .order_by(Municipality.id))
    if found is None:
        wanted = ref.casefold()
        found = next((m for m in db.session.scalars(select(Municipality).order_by(Municipality.id))
                      if m.name.casefold() == wanted), None)
    return found


def create_municipality(name: str, country: str, language: str | None = None) -> Municipality:
    name, country = name.strip(), country.strip().upper()
    if not name:
        raise AccountError(_("A municipality needs a name."))
    templates = current_app.extensions["plan_templates"]
    if country not in locales.countries(templates):
        # Said on the command line only (municipalities are created there), so in English.
        raise AccountError(f"There is no plan template for the country {country}; the countries with one are "
                           f"{', '.join(locales.countries(templates))}. A new country is a new file in "
                           "plan_templates/ (docs/plan-templates.md).")
    language = language or locales.default_language(templates, country)
    if language not in locales.ui_languages():
        raise AccountError(_("Language must be one of %(choices)s.", choices=", ".join(locales.ui_languages())))
    if find_municipality(name):
        raise AccountError(_("A municipality named '%(name)s' already exists.", name=name))
    municipality = Municipality(name=name, country=country, language=language)
    db.session.add(municipality)
    db.session.flush()
    audit.record("municipality.create", user_id=None, municipality_id=municipality.id, obj=municipality)
    db.session.commit()
    return municipality


# zxcvbn's own limit: past it the guess estimate takes too long, and such a password is long enough anyway.
GUESSABILITY_CHECKED_LENGTH = 72


def check_new_password(password: str, about_the_person: tuple[str, ...] = ()) -> None:
    """Long enough, not too long, and not easy to guess: zxcvbn's lists of common passwords, names and words,
    and what is known about the person (their e-mail address and name) count against it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must have at least %(count)s characters.", count=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_("The password can have at most %(count)s characters.", count=MAX_PASSWORD_LENGTH))
    if len(password) <= GUESSABILITY_CHECKED_LENGTH and zxcvbn(password, list(about_the_person))["score"] < 2:
        raise AccountError(_("This password is easy to guess: it is, or is close to, a commonly used password or "
                             "something about you. Choose another, for example a few words that do not belong "
                             "together."))


def check_display_name(display_name: str) -> str:
    display_name = display_name.strip()
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise AccountError(_("The name can have at most %(count)s characters.", count=DISPLAY_NAME_MAX_LENGTH))
    if "\x00" in display_name:
        raise AccountError(_("The name contains a character that cannot be stored."))
    return display_name


def check_email(email: str) -> str:
    email = normalise_email(email)
    local, _at, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 320 or any(c.isspace() for c in email):
        raise AccountError(_("Enter a valid e-mail address."))
    return email


def new_user(email: str, display_name: str, password: str, municipality: Municipality, role: str,
             actor_id: int | None = None) -> User:
    """Add a user with one membership to the session, audited; the caller commits (or rolls back)."""
    if role not in ROLES:
        raise AccountError(_("Role must be one of %(choices)s.", choices=", ".join(ROLES)))
    user = _checked_account(email, display_name, password)
    db.session.add(Membership(user_id=user.id, municipality_id=municipality.id, role=role))
    audit.record("user.create", user_id=actor_id, municipality_id=municipality.id, obj=user, role=role)
    return user


def new_account(email: str, display_name: str, password: str, actor_id: int | None) -> User:
    """An account of no municipality yet, for an admin's invitation (invitations.py). Recorded for operators
    only: a municipality's log says "invited", whether or not the address had an account before."""
    user = _checked_account(email, display_name, password)
    audit.record("user.create", user_id=actor_id, municipality_id=None, obj=user)
    return user


def _checked_account(email: str, display_name: str, password: str) -> User:
    email = check_email(email)
    display_name = check_display_name(display_name)
    check_new_password(password, about_person(email, display_name))
    if find_user(email):
        raise AccountError(_("A user with the e-mail %(email)s already exists.", email=email))
    user = User(email=email, display_name=display_name or email, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def create_user(email: str, display_name: str, password: str, municipality: Municipality, role: str,
                actor_id: int | None = None) -> User:
    user = new_user(email, display_name, password, municipality, role, actor_id)
    db.session.commit()
    return user


def _municipality_ids(user: User) -> list[int | None]:
    """Where changes to a user's account are recorded: every municipality they belong to, so each admin sees
    them. Not sign-ins: those belong where they happen (sign_in_municipality, _attempt_municipality)."""
    return [m.municipality_id for m in user.memberships] or [None]


def record_for_user(action: str, user: User, actor_id: int | None, **detail) -> None:
    for municipality_id in _municipality_ids(user):
        audit.record(action, user_id=actor_id, municipality_id=municipality_id, obj=user, **detail)


def sign_in_municipality(user: User) -> int | None:
    """The municipality a new session starts in, where its sign-in is recorded: the first of the person's by
    name (the one the dashboard opens when the session names none). The sign-in view pins the session to it."""
    first = next(iter(memberships(user)), None)
    return first.municipality_id if first else None


def _attempt_municipality(user: User) -> int | None:
    """Where a failed or rate-limited sign-in of this account is recorded, once.

    Nobody got in, so the attempt happened in no municipality. For an account of one municipality it can only
    have been aimed there, and that municipality's admins, who can help (a new sign-in link, deactivation), learn
    nothing about anywhere else. For an account of several, any one log would show its admins attempts that may
    belong to the person's work elsewhere (copying it into each was exactly that, times every municipality), so
    it is recorded with no municipality: seen by the operators only (in the database), like attempts on unknown
    addresses.
    """
    ids = [membership.municipality_id for membership in user.memberships]
    return ids[0] if len(ids) == 1 else None


def record_blocked_sign_in(email: str, address: str, limit: str) -> None:
    """A sign-in refused by the rate limit: in the log of the municipality of the account aimed at when it has
    only one (_attempt_municipality), else with no municipality."""
    user = find_user(email) if email else None
    audit.record("auth.sign_in_limited", user_id=None, obj=user,
                 municipality_id=_attempt_municipality(user) if user is not None else None,
                 email=email, address=address[:64], limit=limit)
    db.session.commit()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None. Both outcomes are audited."""
    user = find_user(email)
    if user is None:
        # Spend the same time as for a wrong password, so response timing does not reveal who has an account.
        hash_password(password)
        audit.record("auth.sign_in_failed", user_id=None, municipality_id=None, email=normalise_email(email)[:320])
        db.session.commit()
        return None
    # The password is checked first, whatever the account's state: a deactivated account must take as long to
    # refuse as a wrong password, or the timing would tell who has been deactivated.
    if not password_matches(user.password_hash, password) or not user.active:
        audit.record("auth.sign_in_failed", user_id=user.id, municipality_id=_attempt_municipality(user), obj=user,
                     email=user.email, reason="inactive" if user.active is False else "password")
        db.session.commit()
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        # Stored with weaker (older) parameters than the configured ones: the password is at hand only now.
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    audit.record("auth.sign_in", user_id=user.id, municipality_id=sign_in_municipality(user), obj=user)
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """Every session of this user stops working at its next request (the session id holds the generation)."""
    user.session_generation = (user.session_generation or 1) + 1


def update_profile(user: User, display_name: str, language: str | None) -> bool:
    """The signed-in user's own name and UI language (None: follow the municipality). Returns whether changed."""
    display_name = check_display_name(display_name)
    if not display_name:
        raise AccountError(_("Enter your name."))
    language = language or None
    if language is not None and language not in locales.ui_languages():
        raise AccountError(_("Language must be one of %(choices)s.", choices=", ".join(locales.ui_languages())))
    changed = sorted(name for name, old, new in (("display_name", user.display_name, display_name),
                                                 ("language", user.language, language)) if old != new)
    if not changed:
        return False
    user.display_name, user.language = display_name, language
    record_for_user("user.update", user, user.id, fields=changed)
    db.session.commit()
    return True


def change_password(user: User, current: str, new: str, confirmation: str) -> None:
    """Change the user's own password; every session of theirs ends (the caller signs the current one in again)."""
    if not password_matches(user.password_hash, current):
        raise PasswordError("current", _("The current password is not right."))
    _check_chosen_password(user, new, confirmation)
    set_password(user, new)
    record_for_user("user.password_change", user, user.id)
    db.session.commit()


def _check_chosen_password(user: User, new: str, confirmation: str) -> None:
    """A new password the person typed twice: long enough, not too long, not easy to guess, the same twice."""
    try:
        check_new_password(new, about(user))
    except AccountError as exc:
        raise PasswordError("new", str(exc)) from None
    if new != confirmation:
        raise PasswordError("confirmation", _("The two new passwords are not the same."))


def about(user: User) -> tuple[str, ...]:
    return about_person(user.email, user.display_name)


def about_person(email: str, name: str) -> tuple[str, ...]:
    """What a guesser tries first for a person's password: the address, its parts, the words of the name."""
    return email, *re.split(r"[@.+_\-\s]+", email), *name.split()


def set_password(user: User, password: str) -> None:
    check_new_password(password, about(user))
    user.password_hash = hash_password(password)
    end_sessions(user)


SESSION_TOKEN = "sid"  # the key of this browser's session token in the signed session cookie
# Requests a page makes by itself, not the person: they keep no session alive.
PASSIVE_ENDPOINTS = frozenset({"wizard.presence"})


def load_session_user(session_id: str) -> User | None:
    """The user for a session id 'user:generation'; an old generation means that session was ended."""
    user_part, _colon, generation = session_id.partition(":")
    if not user_part.isdigit() or not generation.isdigit():
        return None
    found = sessions.signed_in(int(user_part), session.get(SESSION_TOKEN))
    if found is None:
        return None
    user, browser_session = found
    if not user.active or user.session_generation != int(generation):
        return None
    # Signed out, idle too long or signed in too long ago: this browser's session has ended on the server.
    return user if sessions.is_alive(browser_session, activity=request.endpoint not in PASSIVE_ENDPOINTS) else None


@dataclass(frozen=True)
class Access:
    """What a signed-in user may do in one municipality."""

    municipality: Municipality
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in ("admin", "editor")

    @property
    def can_administer(self) -> bool:
        return self.role == "admin"

    @property
    def can_comment(self) -> bool:
        return self.role in ROLES


def access_to(user: User, municipality_id: int) -> Access | None:
    membership = db.session.scalar(  # with its municipality: every page of a plan asks, so in one query
        select(Membership).join(Municipality).options(contains_eager(Membership.municipality))
        .where(Membership.user_id == user.id, Membership.municipality_id == municipality_id)
    )
    return Access(membership.municipality, membership.role) if membership else None


def memberships(user: User, limit: int | None = None) -> list[Membership]:
    """With their municipalities, in one query, by name; the first `limit` of them when given."""
    return list(db.session.scalars(
        select(Membership).join(Municipality).where(Membership.user_id == user.id)
        .options(contains_eager(Membership.municipality)).order_by(Municipality.name, Municipality.id).limit(limit)
    ))


# --- one-time sign-in links (made by an admin, see services/admin.py) -------------------------------------------

def sign_in_link(token: str) -> SignInLink | None:
    """The unused, unexpired link for this token of an active account; None for anything else."""
    if not well_formed(token):
        return None
    link = db.session.scalar(select(SignInLink).where(SignInLink.token_hash == hash_token(token)))
    if link is None or link.used_at is not None or not link.user.active or link.expires_at <= utcnow():
        return None
    return link


def redeem_sign_in_link(link: SignInLink, password: str, confirmation: str) -> User:
    """The person chooses their password; the link is spent and any other session of theirs ends."""
    user = link.user
    _check_chosen_password(user, password, confirmation)
    set_password(user, password)
    link.used_at = utcnow()
    user.last_sign_in_at = utcnow()
    record_for_user("user.password_set", user, user.id, via="sign_in_link")
    db.session.commit()
    return user
