"""Follow-up of an adopted plan's measures: dated entries recorded beside the frozen version, never in it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import PlanVersion, User, UTCDateTime, utcnow


class FollowUpEntry(db.Model):
    """What an editor found when following up one measure (a row of a template's follow-up group) on one date.

    The adopted version stays as it was adopted; the measure's latest entry is its status between revisions,
    and the next revision starts from it (services/plans/follow_up.py)."""

    __tablename__ = "follow_up_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"))
    section_id: Mapped[str] = mapped_column(String(100))
    field_id: Mapped[str] = mapped_column(String(100))
    row_id: Mapped[str] = mapped_column(String(40))
    entry_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")
    indicator_value: Mapped[float | None] = mapped_column(Float)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    version: Mapped[PlanVersion] = relationship()
    author: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_follow_up_entry_version_row", "version_id", "row_id", "entry_date"),)

    def __repr__(self) -> str:
        return f"<FollowUpEntry version={self.version_id} row={self.row_id} {self.entry_date} {self.status}>"
