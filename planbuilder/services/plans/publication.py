"""Publishing an adopted plan: its public edition at a stable public address per municipality.

Danish municipalities must publish the adopted plan (barnets lov § 15, stk. 3), and Swedish and Norwegian ones
publish their governing documents. An admin publishes an adopted version; it is listed on the municipality's
public index until withdrawn, or until the plan's next adopted version is published in its place. Only the public
edition is ever reachable there (the frozen public PDF and the same document as HTML). Both steps are audited.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Municipality, Plan, PlanVersion, Publication, User, utcnow
from ..documents.rendering import slug
from ..people import audit
from .versions import ADOPTED, VersionError, frozen_hashes

WITHDRAWN, REPLACED = "withdrawn", "replaced"


class PublicationRefused(VersionError):
    """Publishing or withdrawing is not possible as asked (the message says why)."""


def address_name(municipality: Municipality) -> str:
    """The municipality's part of its public address: its name in ASCII ("ekdala-kommun")."""
    return slug(municipality.name) or str(municipality.id)


def municipality_at(name: str) -> Municipality | None:
    """The municipality whose public address this is (names are unique, and so are their slugs in practice)."""
    for municipality in db.session.scalars(select(Municipality).order_by(Municipality.id)):
        if address_name(municipality) == name:
            return municipality
    return None


def current_of(plan: Plan) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.plan_id == plan.id, Publication.ended_at.is_(None)))


def publish(version: PlanVersion, user: User) -> Publication:
    """Publish the adopted version's public edition; the plan's version published so far is replaced."""
    if version.status != ADOPTED:
        raise PublicationRefused(_("Only the adopted version of a plan can be published."))
    if "public" not in frozen_hashes([version]).get(version.id, {}):
        raise PublicationRefused(_("Its documents are still being frozen; publish it once they are there."))
    current = current_of(version.plan)
    if current is not None and current.version_id == version.id:
        raise PublicationRefused(_("This version is published already."))
    if current is not None:
        _end(current, user, REPLACED)
        db.session.flush()  # the earlier one ends before the new one is current: one current per plan
    publication = Publication(municipality_id=version.plan.municipality_id, plan_id=version.plan_id,
                              version_id=version.id, published_by_id=user.id)
    db.session.add(publication)
    db.session.flush()
    audit.record("plan.publish", user_id=user.id, municipality_id=version.plan.municipality_id, obj=version,
                 replaced_version=current.version_id if current else None)
    db.session.commit()
    return publication


def withdraw(plan: Plan, user: User) -> None:
    current = current_of(plan)
    if current is None:
        raise PublicationRefused(_("Nothing of this plan is published."))
    _end(current, user, WITHDRAWN)
    audit.record("plan.withdraw_publication", user_id=user.id, municipality_id=plan.municipality_id, obj=plan,
                 version=current.version_id)
    db.session.commit()


def _end(publication: Publication, user: User, reason: str) -> None:
    publication.ended_at, publication.ended_by_id, publication.end_reason = utcnow(), user.id, reason


def published_in(municipality: Municipality) -> list[Publication]:
    """What the municipality's public index lists, by plan title."""
    return list(db.session.scalars(select(Publication).join(Plan, Publication.plan_id == Plan.id)
                                   .where(Publication.municipality_id == municipality.id,
                                          Publication.ended_at.is_(None))
                                   .order_by(Plan.title, Plan.id)))


def published_plan(municipality: Municipality, plan_id: int) -> Publication | None:
    publication = db.session.scalar(select(Publication).where(Publication.plan_id == plan_id,
                                                              Publication.ended_at.is_(None)))
    return publication if publication is not None and publication.municipality_id == municipality.id else None
