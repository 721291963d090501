"""The data model's core: municipalities, people and their roles, plans, versions, documents, comments, share
links and the audit trail. Plain typed SQLAlchemy models and small select() helpers; the logic lives in services/."""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A moment, stored in UTC and always handed back with its zone.

    PostgreSQL keeps the zone; SQLite has no such type and hands back naive datetimes. Decided here, once, so
    no caller has to remember which database it runs on.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    REVIEWER = "reviewer"


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    ADOPTED = "adopted"
    SUPERSEDED = "superseded"


ROLES = tuple(r.value for r in Role)
STATUSES = tuple(s.value for s in VersionStatus)
# Versions whose text is the municipality's decision: their content never changes again.
FROZEN_STATUSES = (VersionStatus.ADOPTED.value, VersionStatus.SUPERSEDED.value)
# At most one version per plan may be in work (draft or in review) at any time.
WORKING_STATUSES = (VersionStatus.DRAFT.value, VersionStatus.IN_REVIEW.value)


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Municipality(db.Model):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="municipality")
    plans: Mapped[list[Plan]] = relationship(back_populates="municipality")

    __table_args__ = (CheckConstraint("length(country) = 2", name="ck_municipality_country"),)

    def __repr__(self) -> str:
        return f"<Municipality {self.id} {self.name!r} {self.country}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session id: raising it ends every session of this user (password change, deactivation).
    session_generation: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    __table_args__ = (CheckConstraint("email = lower(email)", name="ck_user_email_lower"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(db.Model):
    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    municipality: Mapped[Municipality] = relationship(back_populates="memberships")

    __table_args__ = (
        UniqueConstraint("user_id", "municipality_id", name="uq_membership_user_municipality"),
        CheckConstraint(_in_list("role", ROLES), name="ck_membership_role"),
    )

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} municipality={self.municipality_id} {self.role}>"


class Plan(db.Model):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    municipality: Mapped[Municipality] = relationship(back_populates="plans")
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Plan {self.id} {self.title!r}>"


class PlanVersion(db.Model):
    __tablename__ = "plan_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=VersionStatus.DRAFT.value)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Per-section wizard state, kept apart from the content: {section_id: {"completed": bool, "review": …}}.
    section_state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    template_id: Mapped[str] = mapped_column(String(100))
    template_revision: Mapped[int] = mapped_column(Integer)
    # Optimistic concurrency: every save names the counter it started from; SQLAlchemy bumps it on UPDATE.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The last saves as [lock counter after the save, editor token of the page that made it]: lets one page's
    # quick successive saves through while refusing anyone else's stale one.
    save_log: Mapped[list | None] = mapped_column(JSON)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id", ondelete="SET NULL"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    decision_body: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[date | None] = mapped_column(Date)
    # Versions adopted before the paragraph and the case number were separate fields keep their one reference.
    decision_reference: Mapped[str | None] = mapped_column(String(200))
    decision_paragraph: Mapped[str | None] = mapped_column(String(100))
    case_number: Mapped[str | None] = mapped_column(String(100))
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    review_by: Mapped[date | None] = mapped_column(Date)

    plan: Mapped[Plan] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    adopted_by: Mapped[User | None] = relationship(foreign_keys=[adopted_by_id])

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (
        CheckConstraint(_in_list("status", STATUSES), name="ck_plan_version_status"),
        Index(
            "uq_plan_version_one_working",
            "plan_id",
            unique=True,
            sqlite_where=text(_in_list("status", WORKING_STATUSES)),
            postgresql_where=text(_in_list("status", WORKING_STATUSES)),
        ),
        UniqueConstraint("plan_id", "label", name="uq_plan_version_label"),
    )

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT.value

    @property
    def decision_citation(self) -> str:
        """How the decision is cited in one line: its minute paragraph and case number (or the one reference a
        version adopted before they were separate fields has)."""
        parts = [part for part in (self.decision_paragraph, self.case_number) if part]
        return ", ".join(parts) or (self.decision_reference or "")

    def __repr__(self) -> str:
        return f"<PlanVersion {self.id} plan={self.plan_id} {self.label!r} {self.status}>"


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()

    # The log is read one municipality at a time, newest first, whole or by action or person (migration 0005):
    # each page starts at its place in one of these, and the filter's choices are read from them.
    __table_args__ = (
        Index("ix_audit_event_log", "municipality_id", "at", "id"),
        Index("ix_audit_event_action_log", "municipality_id", "action", "at", "id"),
        Index("ix_audit_event_person_log", "municipality_id", "user_id", "at", "id"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"


class RenderedDocument(db.Model):
    """A cache of rendered documents, shared by every app process through the database."""

    __tablename__ = "rendered_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    edition: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # its file copy's name (document_files.py)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FrozenDocument(db.Model):
    """The PDF editions rendered once at adoption; downloads of an adopted version return exactly these bytes.
    A correction of the recorded decision freezes new ones; the earlier stay, kept and listed as replaced."""

    __tablename__ = "frozen_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"))
    edition: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # its file copy's name (document_files.py)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("decision_correction.id"))

    __table_args__ = (
        Index("uq_frozen_document_current", "version_id", "edition", unique=True,
              sqlite_where=text("replaced_by_id IS NULL"), postgresql_where=text("replaced_by_id IS NULL")),
    )


class Comment(db.Model):
    """A remark on one section of one version; it stays with that version for good (its review history).

    A comment with a parent is a reply; only the thread's first comment is resolved or reopened.
    """

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    version: Mapped[PlanVersion] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id", cascade="all, delete-orphan")

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def __repr__(self) -> str:
        return f"<Comment {self.id} version={self.version_id} {self.section_id}>"


class ShareLink(db.Model):
    """A read-only link to one edition of one version's PDF, for people without an account.

    Only the SHA-256 of the token is stored: the link itself is shown once to the person who made it.
    """

    __tablename__ = "share_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    edition: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    version: Mapped[PlanVersion] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def __repr__(self) -> str:
        return f"<ShareLink {self.id} version={self.version_id} {self.edition}>"


class FrozenVersionError(Exception):
    """An attempt to change the text of an adopted (or superseded) version."""


_DECISION_ATTRIBUTES = ("decision_body", "decision_date", "decision_reference", "decision_paragraph", "case_number")
_FROZEN_ATTRIBUTES = ("content", "label", "template_id", "template_revision", *_DECISION_ATTRIBUTES)
CORRECTING_DECISION = "correcting_decision"  # session.info key: the id of the version whose decision is corrected


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_frozen_versions(session: Session, _context, _instances) -> None:
    """Whatever the route or command, an adopted version's text cannot change once it is stored."""
    for obj in session.dirty:
        if not isinstance(obj, PlanVersion):
            continue
        state = inspect(obj)
        status_history = state.attrs.status.history
        committed_status = (status_history.deleted or status_history.unchanged or [obj.status])[0]
        if committed_status not in FROZEN_STATUSES:
            continue
        # A correction of the recorded decision (services/plans/corrections.py) may put those words right.
        allowed = _DECISION_ATTRIBUTES if session.info.get(CORRECTING_DECISION) == obj.id else ()
        changed = [name for name in _FROZEN_ATTRIBUTES
                   if name not in allowed and state.attrs[name].history.has_changes()]
        if changed:
            raise FrozenVersionError(
                f"version {obj.id} is {committed_status}; its {', '.join(changed)} cannot change"
            )
    for obj in session.deleted:
        if isinstance(obj, PlanVersion) and obj.status in FROZEN_STATUSES:
            raise FrozenVersionError(f"version {obj.id} is {obj.status} and cannot be deleted")


def plans_of(municipality_id: int):
    return select(Plan).where(Plan.municipality_id == municipality_id).order_by(Plan.title, Plan.id)


def latest_version_of(plan_id: int):
    return select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.id.desc()).limit(1)
