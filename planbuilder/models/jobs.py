"""Work done in the background: one row per document someone wants (or will want) made.

The row, not the queue, is the record of the work: the queue only carries its id to a worker. So every process
and machine sees the same progress, two people asking for the same document share one job (its key is unique),
and a job whose worker died (its heartbeat stopped) is found and handed out again, whichever queue is in use.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import PlanVersion, UTCDateTime, utcnow


class JobKind(enum.StrEnum):
    PLAN = "plan"          # one edition of a version as PDF or DOCX, into the render cache
    CHANGES = "changes"    # the "changes since" annex between two versions, into the render cache
    FREEZE = "freeze"      # both PDF editions of an adopted version, frozen for good
    SETTLE = "settle"      # a draft's PDFs, made again once its edits have settled
    FOLLOW_UP = "follow_up"  # the follow-up report of an adopted version as PDF or DOCX, into the render cache


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DocumentJob(db.Model):
    __tablename__ = "document_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What is made, as one unique string: the render cache key, or "freeze-<version>" / "settle-<version>".
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    # The annex compares this (earlier) version with version_id.
    other_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"))
    edition: Mapped[str | None] = mapped_column(String(20))
    format: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Not before this moment (a draft's re-render waits for the edits to settle).
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Last handed to the queue: a queued job not started long after this is handed out again.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Renewed while the job runs: a running job whose heartbeat stopped lost its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    version: Mapped[PlanVersion] = relationship(foreign_keys=[version_id])

    def __repr__(self) -> str:
        return f"<DocumentJob {self.id} {self.kind} version={self.version_id} {self.state}>"
