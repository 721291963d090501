"""After adoption: corrections of a version's recorded decision (audited, with a reason, never silent) and the
publication of its public edition at the municipality's public address."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import Municipality, Plan, PlanVersion, User, UTCDateTime, utcnow


class DecisionCorrection(db.Model):
    """What the documents said of the council's decision was wrong (a typo in the paragraph, the wrong date) and
    was put right. The plan's text is untouched; the documents are frozen again, and the earlier ones point here
    (FrozenDocument.replaced_by_id)."""

    __tablename__ = "decision_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    # {field: value as text}: the recorded decision before and after, for the version page's history.
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)

    version: Mapped[PlanVersion] = relationship()
    corrected_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<DecisionCorrection {self.id} version={self.version_id}>"


class Publication(db.Model):
    """A plan's adopted version published: its public edition at the municipality's public address, listed until
    withdrawn or replaced by the plan's next published version (one current publication per plan)."""

    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    end_reason: Mapped[str | None] = mapped_column(String(20))  # "withdrawn" or "replaced"

    municipality: Mapped[Municipality] = relationship()
    plan: Mapped[Plan] = relationship()
    version: Mapped[PlanVersion] = relationship()

    __table_args__ = (
        Index("uq_publication_current", "plan_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    def __repr__(self) -> str:
        return f"<Publication {self.id} plan={self.plan_id} version={self.version_id}>"
