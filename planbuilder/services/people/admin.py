"""Administration of one municipality: its users and their roles, one-time sign-in links, the audit log.

An admin acts for one municipality. A person may belong to several (a police-district coordinator), so an
action that reaches beyond this municipality — deactivating the whole account, issuing a sign-in link that
sets its password — is only for an admin of every municipality that person belongs to; otherwise an admin
can only end the person's membership here.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ...extensions import db
from ...models import ROLES, AuditEvent, Membership, Municipality, Plan, Role, SignInLink, User, utcnow
from .. import paging
from ..tokens import new_token
from . import accounts, audit, audit_log, invitations

SIGN_IN_LINK_DAYS = 7
AUDIT_PAGE_SIZE = 50
USERS_PAGE_SIZE = 50
PASSWORD, LINK = "password", "link"


class AdminError(ValueError):
    """A refused administration step; field names the input the message belongs next to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# --- users and roles ------------------------------------------------------------------------------------------

def _members_query(municipality_id: int):
    return (select(Membership).join(User).where(Membership.municipality_id == municipality_id)
            .options(contains_eager(Membership.user)).order_by(func.lower(User.display_name), User.email, User.id))


def members_page(municipality_id: int, asked: int | None, per_page: int = USERS_PAGE_SIZE) -> paging.Page[Membership]:
    """One page of the municipality's members, by name, with their accounts: two queries on any page, however
    many members there are."""
    return paging.page_of(_members_query(municipality_id), asked, per_page)


def membership_of(municipality_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(select(Membership).where(Membership.municipality_id == municipality_id,
                                                      Membership.user_id == user_id))


def active_admins(municipality_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership).join(User).where(
        Membership.municipality_id == municipality_id, Membership.role == Role.ADMIN.value, User.active.is_(True)))


def working_elsewhere(actor: User, user_ids: list[int]) -> set[int]:
    """Of these people, those who also belong to a municipality the actor does not administer (one query): what
    they do there, their last sign-in included, is not this admin's to see."""
    administered = select(Membership.municipality_id).where(Membership.user_id == actor.id,
                                                           Membership.role == Role.ADMIN.value)
    return set(db.session.scalars(select(Membership.user_id).distinct().where(
        Membership.user_id.in_(user_ids), Membership.municipality_id.not_in(administered)))) if user_ids else set()


def manages_fully(actor: User, user: User) -> bool:
    """Whether the actor is an admin of every municipality the user belongs to."""
    administered = set(db.session.scalars(select(Membership.municipality_id).where(
        Membership.user_id == actor.id, Membership.role == Role.ADMIN.value)))
    return all(m.municipality_id in administered for m in user.memberships)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AdminError("role", _("Choose one of the roles shown."))
    return role


def _leaves_no_admin(membership: Membership) -> bool:
    return (membership.role == Role.ADMIN.value and membership.user.active
            and active_admins(membership.municipality_id) <= 1)


@dataclass(frozen=True)
class Added:
    user: User
    token: str | None  # the token of the link to pass on (a sign-in link or an invitation's link), shown once


def add_user(municipality: Municipality, actor: User | None, email: str, display_name: str, role: str, method: str,
             password: str = "") -> Added:
    """An invitation to work here with the role (invitations.py), for a new account and an existing one alike.

    The answer, the list of users and this municipality's log are the same either way, so the form tells
    nobody whether an address has an account. A new account gets the name and first password typed, or a
    one-time link with which the person chooses one; a person who already has an account keeps their own name
    and password (the ones typed are checked like any others and then not used), and their link leads them to
    sign in. The actor is the signed-in admin."""
    _check_role(role)
    email, display_name, method = _checked_answers(email, display_name, method, password)
    user = accounts.find_user(email)
    if user is not None:
        _refuse_a_member(municipality, user)
    unused = user is None or _unused_account_of(user, municipality)
    if user is None:
        # With a sign-in link the person chooses a password; until then the account has one nobody knows.
        initial = password if method == PASSWORD else secrets.token_urlsafe(32)
        user = accounts.new_account(email, display_name, initial, actor.id if actor else None)
    elif unused:  # added again before its first use: the newer answers count
        user.display_name = display_name or email
        _first_password(user, password if method == PASSWORD else None)
    else:
        _first_password(None, password)
    token = invitations.invite(municipality, actor, user, role, link=method == LINK)
    if method == LINK and unused:  # not the invitation's link: this one also sets the password
        token = _new_sign_in_link(user, actor, municipality, record=False)
    db.session.commit()
    return Added(user, token)


def _first_password(user: User | None, password: str | None) -> None:
    """Give an unused account its new first password. Without one (or an account), only spend the time that
    hashing it takes, as for a new account, or the response time would tell the cases apart."""
    if user is not None and password:
        accounts.set_password(user, password)
    else:
        accounts.hash_password(password or secrets.token_urlsafe(32))


def _checked_answers(email: str, display_name: str, method: str, password: str) -> tuple[str, str, str]:
    try:
        email = accounts.check_email(email)
    except accounts.AccountError as exc:
        raise AdminError("email", str(exc)) from None
    if method not in (PASSWORD, LINK):
        raise AdminError("method", _("Choose how the person signs in the first time."))
    try:
        display_name = accounts.check_display_name(display_name)
    except accounts.AccountError as exc:
        raise AdminError("display_name", str(exc)) from None
    if method == PASSWORD:
        try:
            accounts.check_new_password(password, accounts.about_person(email, display_name))
        except accounts.AccountError as exc:
            raise AdminError("password", str(exc)) from None
    return email, display_name, method


def _unused_account_of(user: User, municipality: Municipality) -> bool:
    """An account this municipality's admins made and its person has not used yet: they may still give it its
    first password. Any other account is its person's alone (another admin must not take it over that way)."""
    return (user.active and not user.memberships and user.last_sign_in_at is None
            and invitations.first_invited_by(user) == municipality.id)


def _refuse_a_member(municipality: Municipality, user: User) -> None:
    if membership_of(municipality.id, user.id) is not None:
        raise AdminError("email", _("%(email)s is already a member of %(municipality)s.", email=user.email,
                                    municipality=municipality.name))


def add_membership(municipality: Municipality, actor: User | None, user: User, role: str) -> Added:
    """A membership for an existing account at once: an operator's action on the command line (admins invite)."""
    _refuse_a_member(municipality, user)
    membership = Membership(user_id=user.id, municipality_id=municipality.id, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.create", user_id=actor.id if actor else None, municipality_id=municipality.id, obj=user,
                 role=role)
    db.session.commit()
    return Added(user, None)


def change_role(membership: Membership, role: str, actor: User) -> bool:
    _check_role(role)
    if role == membership.role:
        return False
    if role != Role.ADMIN.value and _leaves_no_admin(membership):
        raise AdminError("role", _("%(municipality)s needs at least one admin; make someone else an admin first.",
                                   municipality=membership.municipality.name))
    old, membership.role = membership.role, role
    audit.record("user.role_change", user_id=actor.id, municipality_id=membership.municipality_id,
                 obj=membership.user, old=old, new=role)
    db.session.commit()
    return True


def deactivate(membership: Membership, actor: User) -> str:
    """Deactivate the account ("deactivated"), or, when the person also works elsewhere and the actor is not
    an admin there, end the membership here ("removed"). Either way their sessions end now."""
    user = membership.user
    if user.id == actor.id:
        raise AdminError("user", _("You cannot deactivate yourself; ask another admin."))
    if not user.active:
        raise AdminError("user", _("This account is already deactivated."))
    if _leaves_no_admin(membership):
        raise AdminError("user", _("%(municipality)s needs at least one admin; make someone else an admin first.",
                                   municipality=membership.municipality.name))
    accounts.end_sessions(user)
    if manages_fully(actor, user):
        user.active = False
        db.session.execute(delete(SignInLink).where(SignInLink.user_id == user.id, SignInLink.used_at.is_(None)))
        accounts.record_for_user("user.deactivate", user, actor.id)
        outcome = "deactivated"
    else:
        audit.record("membership.remove", user_id=actor.id, municipality_id=membership.municipality_id, obj=user,
                     role=membership.role)
        db.session.delete(membership)
        outcome = "removed"
    db.session.commit()
    return outcome


def reactivate(membership: Membership, actor: User) -> None:
    user = membership.user
    if user.active:
        raise AdminError("user", _("This account is active."))
    if not manages_fully(actor, user):
        raise AdminError("user", _("This person also belongs to a municipality you do not administer; an admin "
                                   "of every one of them can reactivate the account."))
    user.active = True
    accounts.end_sessions(user)
    accounts.record_for_user("user.reactivate", user, actor.id)
    db.session.commit()


def issue_sign_in_link(membership: Membership, actor: User) -> str:
    """A new one-time link with which the person chooses a new password (earlier unused links stop working)."""
    user = membership.user
    if user.id == actor.id:
        raise AdminError("user", _("Change your own password on your account page."))
    if not user.active:
        raise AdminError("user", _("Reactivate the account first."))
    if not manages_fully(actor, user):
        raise AdminError("user", _("This person also belongs to a municipality you do not administer, so only they "
                                   "can change their password."))
    token = _new_sign_in_link(user, actor, membership.municipality)
    db.session.commit()
    return token


def _new_sign_in_link(user: User, actor: User, municipality: Municipality, record: bool = True) -> str:
    db.session.execute(delete(SignInLink).where(SignInLink.user_id == user.id, SignInLink.used_at.is_(None)))
    token, token_hash = new_token()
    link = SignInLink(user_id=user.id, token_hash=token_hash, created_by_id=actor.id,
                      expires_at=utcnow() + timedelta(days=SIGN_IN_LINK_DAYS))
    db.session.add(link)
    db.session.flush()
    if record:  # not when it comes with an invitation: that is recorded as one, alike for every address
        audit.record("user.sign_in_link", user_id=actor.id, municipality_id=municipality.id, obj=user,
                     expires=link.expires_at.isoformat(timespec="minutes"))
    return token


# --- the audit log --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    user_id: int | None = None
    plan_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


OLDER, NEWER = "older", "newer"


@dataclass(frozen=True)
class AuditCursor:
    """Where a page of the log starts: just past this event, towards older or newer ones."""
    direction: str  # OLDER or NEWER
    event_id: int


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    newer: int | None  # the event the newer page starts from (the first shown); None on the newest page
    older: int | None  # the event the older page starts from (the last shown); None on the oldest page


def _day_start(day: date) -> datetime:
    """Midnight of that day on the reader's clock (the one the log's times are shown in), as UTC for the query."""
    return datetime.combine(day, time.min, tzinfo=get_timezone()).astimezone(timezone.utc)


def _audit_conditions(municipality_id: int, filters: AuditFilter) -> list:
    conditions = [AuditEvent.municipality_id == municipality_id]
    sign_ins = AuditEvent.action.startswith(audit_log.SIGN_IN_PREFIX, autoescape=True)
    if filters.action == audit_log.SIGN_INS:
        conditions.append(sign_ins)
    elif filters.action:
        conditions.append(AuditEvent.action == filters.action)
    else:
        conditions.append(~sign_ins)  # sign-ins have a filter of their own: they would bury the plans' events
    if filters.user_id:
        conditions.append(AuditEvent.user_id == filters.user_id)
    if filters.plan_id:
        conditions.append(audit_log.about_plan(filters.plan_id))
    if filters.date_from:
        conditions.append(AuditEvent.at >= _day_start(filters.date_from))
    if filters.date_to:
        conditions.append(AuditEvent.at < _day_start(filters.date_to + timedelta(days=1)))
    return conditions


def audit_page(municipality_id: int, filters: AuditFilter, cursor: AuditCursor | None = None,
               per_page: int = AUDIT_PAGE_SIZE) -> AuditPage:
    """One page of this municipality's events, newest first; never another municipality's.

    Pages go on from an event (keyset pagination on the log's order, time then id), not by counting rows from
    the top, so the oldest page costs what the newest does. A cursor naming no event of this municipality, or
    with nothing beyond it, gives the newest page."""
    conditions = _audit_conditions(municipality_id, filters)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    if cursor is not None:
        events, more = _events_beyond(conditions, municipality_id, cursor, per_page)
        if events and cursor.direction == OLDER:
            return AuditPage(events, total, newer=events[0].id, older=events[-1].id if more else None)
        if events:
            return AuditPage(events, total, newer=events[0].id if more else None, older=events[-1].id)
    events, more = _events_beyond(conditions, municipality_id, None, per_page)
    return AuditPage(events, total, newer=None, older=events[-1].id if more else None)


def _events_beyond(conditions: list, municipality_id: int, cursor: AuditCursor | None,
                   per_page: int) -> tuple[list[AuditEvent], bool]:
    """Up to per_page events past the cursor (from the newest without one), newest first, and whether more lie
    beyond them; in one query, their people in one more."""
    towards_newer = cursor is not None and cursor.direction == NEWER
    order = (AuditEvent.at.asc(), AuditEvent.id.asc()) if towards_newer else (AuditEvent.at.desc(),
                                                                                AuditEvent.id.desc())
    query = select(AuditEvent).where(*conditions).options(selectinload(AuditEvent.user))
    if cursor is not None:
        query = query.where(*_past(cursor, municipality_id))
    found = list(db.session.scalars(query.order_by(*order).limit(per_page + 1)))
    page = found[:per_page]
    return (page[::-1] if towards_newer else page), len(found) > per_page


def _past(cursor: AuditCursor, municipality_id: int) -> list:
    """Events past the cursor's in the log's order (time, then id). Its time is read within the same query, and
    only from this municipality's events; the plain `at` bound lets the database start there in its index."""
    at = select(AuditEvent.at).where(AuditEvent.id == cursor.event_id,
                                     AuditEvent.municipality_id == municipality_id).scalar_subquery()
    if cursor.direction == OLDER:
        return [AuditEvent.at <= at, or_(AuditEvent.at < at, AuditEvent.id < cursor.event_id)]
    return [AuditEvent.at >= at, or_(AuditEvent.at > at, AuditEvent.id > cursor.event_id)]


def audit_actions(municipality_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.municipality_id == municipality_id)
                                   .distinct().order_by(AuditEvent.action)))


def audit_plans(municipality_id: int) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.municipality_id == municipality_id)
                                   .order_by(func.lower(Plan.title))))


def audit_users(municipality_id: int) -> list[User]:
    """Everyone who appears in this municipality's log (members past and present)."""
    ids = select(AuditEvent.user_id).where(AuditEvent.municipality_id == municipality_id).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(func.lower(User.display_name))))
