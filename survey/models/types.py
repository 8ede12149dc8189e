"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back an aware UTC datetime (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def too_long(model, values: dict, *, field_prefix: str = "") -> list[dict[str, str]]:
    """Problems for the string values longer than their ``model`` column allows (PostgreSQL refuses them;
    SQLite would keep them silently): ``[{"field": …, "message": …}]``, empty when all fit."""
    problems = []
    for name, value in values.items():
        column = model.__table__.columns.get(name)
        length = getattr(getattr(column, "type", None), "length", None)
        if isinstance(value, str) and length is not None and len(value) > length:
            problems.append({"field": f"{field_prefix}{name}", "message": f"at most {length} characters"})
    return problems
