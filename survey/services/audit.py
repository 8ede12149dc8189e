"""The audit trail. Events are added to the caller's transaction: they commit with the change they record.

Administrators read it page by page and export it (CSV, XLSX) by date range and kind; each export is itself an
event (``audit.exported``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from .. import auditlog
from ..auditlog import Filters
from ..extensions import db
from ..models import AuditEvent, User

PAGE_SIZE = 100
EXPORT_FORMATS = ("csv", "xlsx")


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


def kinds() -> list[str]:
    """Every event kind in the log (what the filter may ask for)."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _where(filters: Filters) -> list:
    start, until = filters.bounds(zone())
    conditions = []
    if start is not None:
        conditions.append(AuditEvent.at >= start)
    if until is not None:
        conditions.append(AuditEvent.at < until)
    if filters.kind:
        conditions.append(AuditEvent.action == filters.kind)
    return conditions


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    total: int
    number: int
    pages: int


def page(filters: Filters, number: int = 1) -> Page:
    """One page of matching events, newest first."""
    where = _where(filters)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    events = list(db.session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.at.desc(),
                                                                               AuditEvent.id.desc())
                                      .offset((min(number, pages) - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return Page(events, total, min(number, pages), pages)


def export(filters: Filters, fmt: str, *, by: User, headers: list[str], title: str = "audit") -> bytes:
    """The matching events, oldest first, as CSV or XLSX with local times; the export is audited (after the
    rows were read, so the file does not list itself)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    local = zone()
    count = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal count
        result = db.session.execute(
            select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.target_type,
                   AuditEvent.target_id, AuditEvent.ip, AuditEvent.details)
            .where(*_where(filters)).order_by(AuditEvent.at, AuditEvent.id).execution_options(yield_per=2000))
        for row in result:
            count += 1
            yield auditlog.export_row(*row, zone=local)

    body = auditlog.to_csv(headers, rows()) if fmt == "csv" else auditlog.to_xlsx(headers, rows(), title)
    record("audit.exported", actor=by, format=fmt, rows=count, **filters.args())
    db.session.commit()
    return body
