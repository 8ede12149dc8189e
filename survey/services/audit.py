"""The audit trail. Events are added to the caller's transaction: they commit with the change they record."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent, User


def record(action: str, *, actor: User | str | None, target: Any = None, ip: str | None = None,
           **details: Any) -> AuditEvent:
    """Add an audit event; ``target`` is a model instance (type and id are taken from it) or None."""
    user = actor if isinstance(actor, User) else None
    name = actor.username if isinstance(actor, User) else (actor or "system")
    event = AuditEvent(
        user_id=user.id if user else None, actor=name[:64], action=action,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=str(target.id) if target is not None else None,
        ip=ip, details=details,
    )
    db.session.add(event)
    return event
