"""A reviewer's sign-off on a version in review: "reviewed, no further comments" or "reviewed, with comments"."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import PlanVersion, User, UTCDateTime, _in_list, utcnow


class Verdict(enum.StrEnum):
    NO_COMMENTS = "no_comments"
    WITH_COMMENTS = "with_comments"


VERDICTS = tuple(v.value for v in Verdict)


class ReviewSignoff(db.Model):
    """One reviewer's word on one version, changeable while the version is in review.

    `submitted_at` is the submission it answers: a version withdrawn and submitted again is a new round, and a
    sign-off from an earlier round no longer counts (services/plans/signoffs.py)."""

    __tablename__ = "review_signoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    version: Mapped[PlanVersion] = relationship()
    reviewer: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("version_id", "reviewer_id", name="uq_review_signoff_version_reviewer"),
        CheckConstraint(_in_list("verdict", VERDICTS), name="ck_review_signoff_verdict"),
    )

    def __repr__(self) -> str:
        return f"<ReviewSignoff version={self.version_id} reviewer={self.reviewer_id} {self.verdict}>"
