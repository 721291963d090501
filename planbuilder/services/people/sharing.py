"""Read-only share links to one edition of one version's PDF, and the random tokens behind one-time links.

A token is shown once, to the person who makes the link; only its SHA-256 is stored, so a copy of the
database opens nothing. Opening a link is audited (share.used) and serves the PDF and nothing else.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import PlanVersion, ShareLink, User, utcnow
from ..documents import rendering as documents
from ..tokens import hash_token, new_token, well_formed
from . import audit

DEFAULT_DAYS = 30
MAX_DAYS = 365
DEFAULT_EDITION = "public"
ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"


class ShareError(ValueError):
    """A refused share-link operation; field names the input the message belongs next to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class LinkNotFound(Exception):
    """No link has this token (mistyped, tampered with, or never made)."""


class LinkGone(Exception):
    """The link existed but has expired or been revoked; `link` says whose plan it was, so the page can say
    whom to ask for a new one."""

    def __init__(self, link: ShareLink):
        super().__init__(link.id)
        self.link = link


def status(link: ShareLink, now: datetime | None = None) -> str:
    if link.revoked_at is not None:
        return REVOKED
    return EXPIRED if link.expires_at <= (now or utcnow()) else ACTIVE


def check_days(days: int | None) -> int:
    """How long a new link works: DEFAULT_DAYS when not said, else from 1 to MAX_DAYS days."""
    if days is None:
        return DEFAULT_DAYS
    if not 1 <= days <= MAX_DAYS:
        raise ShareError("days", _("Choose a number of days from 1 to %(max)s.", max=MAX_DAYS))
    return days


def create_link(version: PlanVersion, edition: str | None, days: int | None, user: User) -> tuple[ShareLink, str]:
    """A new link to the version's PDF in the given edition (public when none is chosen) for so many days (the
    default when None); returns it with its token, which is shown only now. The view reads both through
    forms.ShareLinkForm."""
    edition = edition or DEFAULT_EDITION
    try:
        documents.check_edition(edition)
    except documents.UnknownEditionError:
        raise ShareError("edition", _("Choose the internal or the public edition.")) from None
    lifetime = check_days(days)
    token, token_hash = new_token()
    link = ShareLink(version_id=version.id, token_hash=token_hash, edition=edition, created_by_id=user.id,
                     expires_at=utcnow() + timedelta(days=lifetime), use_count=0)
    db.session.add(link)
    db.session.flush()
    audit.record("share.create", user_id=user.id, municipality_id=version.plan.municipality_id, obj=link,
                 version=version.id, edition=edition, days=lifetime)
    db.session.commit()
    return link, token


def revoke(link: ShareLink, user: User) -> bool:
    """Stop a link working; returns False when it was already revoked (nothing changes)."""
    if link.revoked_at is not None:
        return False
    link.revoked_at = utcnow()
    link.revoked_by_id = user.id
    audit.record("share.revoke", user_id=user.id, municipality_id=link.version.plan.municipality_id, obj=link,
                 version=link.version_id)
    db.session.commit()
    return True


def links_of(version: PlanVersion) -> list[ShareLink]:
    return list(db.session.scalars(select(ShareLink).where(ShareLink.version_id == version.id)
                                   .order_by(ShareLink.id.desc())))


def link_for_token(token: str) -> ShareLink:
    """The working link for a token; LinkNotFound or LinkGone otherwise (the caller says no more than that)."""
    if not well_formed(token):
        raise LinkNotFound()
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == hash_token(token)))
    if link is None:
        raise LinkNotFound()
    if status(link) != ACTIVE:
        raise LinkGone(link)
    return link


def record_use(link: ShareLink, remote_address: str | None = None) -> None:
    """The link's PDF was handed over: its use counted and audited (share.used)."""
    link.use_count = (link.use_count or 0) + 1
    link.last_used_at = utcnow()
    audit.record("share.used", user_id=None, municipality_id=link.version.plan.municipality_id, obj=link,
                 version=link.version_id, edition=link.edition, address=(remote_address or "")[:64])
    db.session.commit()
