"""The audit trail: who did what, when, to which object."""
from __future__ import annotations

from typing import Any

from ...extensions import db
from ...models import AuditEvent


def record(action: str, *, user_id: int | None, municipality_id: int | None,
           obj: Any = None, **detail: Any) -> AuditEvent:
    """Add an audit event to the current transaction; it commits (or rolls back) with the change it records."""
    event = AuditEvent(
        action=action,
        user_id=user_id,
        municipality_id=municipality_id,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        detail=detail,
    )
    db.session.add(event)
    return event
