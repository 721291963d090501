"""Invitations: an admin asks a person to work in their municipality, and the person decides.

An account belongs to its person. An admin of one municipality cannot pull somebody else's account into theirs
(and with it see that person's sign-ins, or reset them): the membership exists only once the person, signed in
as themselves, has accepted. Every addition by an admin is an invitation, for a new account too, so the form
answers alike whether or not the address already has an account (admin.add_user). The command line (an
operator's action) still adds a membership directly.
"""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Invitation, Membership, Municipality, User
from ..tokens import hash_token, new_token, well_formed
from . import audit


class NoSuchInvitation(LookupError):
    """Not an open invitation of this person (accepted, declined, withdrawn, or somebody else's)."""


def invite(municipality: Municipality, actor: User | None, user: User, role: str, link: bool) -> str | None:
    """Invite the account to the municipality with the role (again: the role is updated), recorded in its log
    the same way for a new account and an existing one. With `link`, the token of a link that leads the person
    to sign in and answer (earlier links of this invitation stop working). The caller has checked that the
    person is not a member there yet, and commits."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user.id,
                                                            Invitation.municipality_id == municipality.id))
    if invitation is None:
        invitation = Invitation(user_id=user.id, municipality_id=municipality.id, role=role)
        db.session.add(invitation)
    invitation.role, invitation.invited_by_id = role, actor.id if actor else None
    token, invitation.link_hash = new_token() if link else (None, None)
    db.session.flush()
    audit.record("membership.invite", user_id=actor.id if actor else None, municipality_id=municipality.id,
                 obj=user, role=role, link=link)
    return token


def by_link(token: str) -> Invitation | None:
    """The open invitation an admin's link stands for; None once answered or replaced by a newer link."""
    if not well_formed(token):
        return None
    return db.session.scalar(select(Invitation).where(Invitation.link_hash == hash_token(token)))


def first_invited_by(user: User) -> int | None:
    """The municipality whose invitation came first: for an account nobody has used yet, the one it was made
    for, whose admins may still give it a password (admin.add_user)."""
    return db.session.scalar(select(Invitation.municipality_id).where(Invitation.user_id == user.id)
                             .order_by(Invitation.id).limit(1))


def open_invitations(user: User) -> list[Invitation]:
    return list(db.session.scalars(select(Invitation).join(Municipality).where(Invitation.user_id == user.id)
                                   .order_by(Municipality.name)))


def invited_to(municipality_id: int) -> list[Invitation]:
    """The invitations of one municipality still waiting for an answer (for its admins' list of users)."""
    return list(db.session.scalars(select(Invitation).join(User, Invitation.user_id == User.id)
                                   .where(Invitation.municipality_id == municipality_id).order_by(User.email)))


def _own(user: User, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.user_id != user.id:
        raise NoSuchInvitation(invitation_id)
    return invitation


def accept(user: User, invitation_id: int) -> Membership:
    """The person says yes: a membership with the invited role; recorded in that municipality's log."""
    invitation = _own(user, invitation_id)
    membership = Membership(user_id=user.id, municipality_id=invitation.municipality_id, role=invitation.role)
    db.session.add(membership)
    db.session.delete(invitation)
    db.session.flush()
    audit.record("membership.create", user_id=user.id, municipality_id=membership.municipality_id, obj=user,
                 role=membership.role, accepted=True)
    db.session.commit()
    return membership


def decline(user: User, invitation_id: int) -> None:
    invitation = _own(user, invitation_id)
    municipality_id = invitation.municipality_id
    db.session.delete(invitation)
    audit.record("membership.decline", user_id=user.id, municipality_id=municipality_id, obj=user)
    db.session.commit()
