"""Municipalities, users, memberships and signing in."""
from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import ROLES, Membership, Municipality, User, utcnow
from . import audit

COUNTRIES = ("SE", "NO", "DK")
DEFAULT_LANGUAGE = {"SE": "sv", "NO": "nb", "DK": "da"}
LANGUAGES = ("sv", "nb", "da", "en")
MIN_PASSWORD_LENGTH = 10



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
    if str(name_or_id).isdigit():
        found = db.session.get(Municipality, int(name_or_id))
        if found:
            return found
    return db.session.scalar(select(Municipality).where(func.lower(Municipality.name) == str(name_or_id).lower()))


def create_municipality(name: str, country: str, language: str | None = None) -> Municipality:
    name, country = name.strip(), country.strip().upper()
    if not name:
        raise AccountError("A municipality needs a name.")
    if country not in COUNTRIES:
        raise AccountError(f"Country must be one of {', '.join(COUNTRIES)}.")
    language = language or DEFAULT_LANGUAGE[country]
    if language not in LANGUAGES:
        raise AccountError(f"Language must be one of {', '.join(LANGUAGES)}.")
    if find_municipality(name):
        raise AccountError(f"A municipality named '{name}' already exists.")
    municipality = Municipality(name=name, country=country, language=language)
    db.session.add(municipality)
    db.session.flush()
    audit.record("municipality.create", user_id=None, municipality_id=municipality.id, obj=municipality)
    db.session.commit()
    return municipality


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


def create_user(email: str, display_name: str, password: str, municipality: Municipality, role: str,
                actor_id: int | None = None) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 320:
        raise AccountError("Enter a valid e-mail address.")
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}.")
    check_new_password(password)
    if find_user(email):
        raise AccountError(f"A user with the e-mail {email} already exists.")
    user = User(email=email, display_name=display_name.strip() or email, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, municipality_id=municipality.id, role=role))
    audit.record("user.create", user_id=actor_id, municipality_id=municipality.id, obj=user, role=role)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None. Both outcomes are audited."""
    user = find_user(email)
    if user is None:
        # Spend the same time as for a wrong password, so response timing does not reveal who has an account.
        hash_password(password)
        audit.record("auth.sign_in_failed", user_id=None, municipality_id=None, email=normalise_email(email)[:320])
        db.session.commit()
        return None
    municipality_id = user.memberships[0].municipality_id if user.memberships else None
    if not user.active or not password_matches(user.password_hash, password):
        audit.record("auth.sign_in_failed", user_id=user.id, municipality_id=municipality_id,
                     email=user.email, reason="inactive" if user.active is False else "password")
        db.session.commit()
        return None
    user.last_sign_in_at = utcnow()
    audit.record("auth.sign_in", user_id=user.id, municipality_id=municipality_id)
    db.session.commit()
    return user


def load_session_user(session_id: str) -> User | None:
    """The user for a session id 'user:generation'; an old generation means that session was ended."""
    user_part, _, generation = session_id.partition(":")
    if not user_part.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(user_part))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


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


def access_to(user: User, municipality_id: int) -> Access | None:
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.municipality_id == municipality_id)
    )
    return Access(membership.municipality, membership.role) if membership else None


def memberships(user: User) -> list[Membership]:
    return list(db.session.scalars(
        select(Membership).join(Municipality).where(Membership.user_id == user.id).order_by(Municipality.name)
    ))
