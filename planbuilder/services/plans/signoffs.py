"""Reviewers' sign-offs: each reviewer says, once per version and round, that they have read it – with no
further comments, or with the comments they left – and the dashboard lists what still waits for them.

A sign-off belongs to the submission it answers (ReviewSignoff.submitted_at): after a withdrawal and a new
submission the reviewers are asked again. It can change while the version is in review, never afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import VERDICTS, Plan, PlanVersion, ReviewSignoff, Role, User, Verdict, VersionStatus, utcnow
from ..people import audit
from ..people.accounts import Access

VERDICT_LABELS = {Verdict.NO_COMMENTS.value: _l("Reviewed – no further comments"),
                  Verdict.WITH_COMMENTS.value: _l("Reviewed – with comments")}
# As the version page says it after a name and a date: "Reviewed by Anna Svensson on 3 Dec: no further comments".
VERDICT_SHORT = {Verdict.NO_COMMENTS.value: _l("no further comments"),
                 Verdict.WITH_COMMENTS.value: _l("with comments")}


class SignoffError(ValueError):
    """A refused sign-off; the message is shown above the sign-off form."""


class NotAllowed(Exception):
    """Only a reviewer of the version's municipality signs off (the view answers 403)."""


def may_sign_off(access: Access, version: PlanVersion) -> bool:
    return access.role == Role.REVIEWER.value and version.status == VersionStatus.IN_REVIEW.value


def _current_round(version: PlanVersion):
    return and_(ReviewSignoff.version_id == version.id, ReviewSignoff.submitted_at == version.submitted_at)


def sign_off(access: Access, version: PlanVersion, verdict: str | None, user: User) -> ReviewSignoff:
    """Record (or change) the reviewer's sign-off on a version in review, audited as review.signoff."""
    if access.role != Role.REVIEWER.value:
        raise NotAllowed()
    if version.status != VersionStatus.IN_REVIEW.value:
        raise SignoffError(_refusal(version))
    if verdict not in VERDICTS:
        raise SignoffError(_("Choose whether you have further comments or not."))
    signoff = db.session.scalar(select(ReviewSignoff).where(ReviewSignoff.version_id == version.id,
                                                            ReviewSignoff.reviewer_id == user.id))
    before = signoff.verdict if signoff and signoff.submitted_at == version.submitted_at else None
    if signoff is None:
        signoff = ReviewSignoff(version_id=version.id, reviewer_id=user.id)
        db.session.add(signoff)
    signoff.verdict, signoff.signed_at, signoff.submitted_at = verdict, utcnow(), version.submitted_at
    db.session.flush()
    audit.record("review.signoff", user_id=user.id, municipality_id=version.plan.municipality_id, obj=signoff,
                 version=version.id, verdict=verdict, **({"was": before} if before else {}))
    db.session.commit()
    return signoff


def _refusal(version: PlanVersion) -> str:
    if version.status in (VersionStatus.ADOPTED.value, VersionStatus.SUPERSEDED.value):
        return _("Version %(label)s has been adopted: its review is closed and sign-offs can no longer change.",
                 label=version.label)
    return _("Version %(label)s is no longer in review (it was withdrawn to draft): there is nothing to sign off "
             "until it is submitted again.", label=version.label)


def signoffs_of(version: PlanVersion) -> list[ReviewSignoff]:
    """The sign-offs of the version's current (or last) review round, oldest first, with their reviewers."""
    return list(db.session.scalars(select(ReviewSignoff).where(_current_round(version))
                                   .options(selectinload(ReviewSignoff.reviewer))
                                   .order_by(ReviewSignoff.signed_at, ReviewSignoff.id)))


@dataclass(frozen=True)
class SignoffPanel:
    """The sign-off block of the review summary: everyone's sign-offs, and the form for a reviewer."""

    signoffs: list[ReviewSignoff]
    mine: ReviewSignoff | None
    can_sign: bool
    error: str | None = None
    chosen: str | None = None  # the choice sent with a refused form

    @property
    def selected(self) -> str | None:
        return self.chosen or (self.mine.verdict if self.mine else None)


def panel(access: Access, version: PlanVersion, user: User, *, error: str | None = None,
          chosen: str | None = None) -> SignoffPanel:
    found = signoffs_of(version)
    mine = next((s for s in found if s.reviewer_id == user.id), None)
    return SignoffPanel(found, mine, may_sign_off(access, version), error,
                        chosen if chosen in VERDICTS else None)


def waiting_for(access: Access, user: User) -> list[PlanVersion]:
    """Versions in review in the municipality that this reviewer has not signed off in their current round,
    longest waiting first. Empty for editors and admins: they do not review."""
    if access.role != Role.REVIEWER.value:
        return []
    signed = (select(ReviewSignoff.id).where(ReviewSignoff.version_id == PlanVersion.id,
                                             ReviewSignoff.reviewer_id == user.id,
                                             ReviewSignoff.submitted_at == PlanVersion.submitted_at))
    return list(db.session.scalars(
        select(PlanVersion).join(Plan, PlanVersion.plan_id == Plan.id)
        .where(Plan.municipality_id == access.municipality.id,
               PlanVersion.status == VersionStatus.IN_REVIEW.value, ~signed.exists())
        .options(selectinload(PlanVersion.plan))
        .order_by(PlanVersion.submitted_at, PlanVersion.id)))


def verdict_label(verdict: str) -> str:
    return str(VERDICT_LABELS.get(verdict, verdict))


def verdict_short(verdict: str) -> str:
    return str(VERDICT_SHORT.get(verdict, verdict))
