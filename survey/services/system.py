"""What an admin needs to know about the running system: database, Redis, workers, queue."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from redis.exceptions import RedisError
from rq import Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select, text

from .. import queue
from ..extensions import db
from ..models import Department, Indicator, Region, Scale

SCHEDULER_TICK_KEY = "survey:cron:last_tick"


@dataclass(frozen=True)
class SystemStatus:
    database: str
    redis: str
    workers: int
    queued: int
    failed: int
    scheduler_last_tick: str | None

    @property
    def healthy(self) -> bool:
        return self.database == "ok" and self.redis == "ok"

    def to_dict(self) -> dict:
        return {**asdict(self), "healthy": self.healthy}


def system_status() -> SystemStatus:
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # any driver error means the same thing to an operator
        database = f"error: {type(exc).__name__}"
    finally:
        db.session.rollback()
    try:
        conn = queue.client()
        q = queue.get_queue(connection=conn)
        workers = Worker.count(connection=conn)
        queued = q.count
        failed = FailedJobRegistry(queue=q).count
        raw = conn.get(SCHEDULER_TICK_KEY)
        tick = raw.decode() if raw else None
        redis_state = "ok"
    except RedisError as exc:
        redis_state, workers, queued, failed, tick = f"down: {type(exc).__name__}", 0, 0, 0, None
    return SystemStatus(database, redis_state, workers, queued, failed, tick)


def record_scheduler_tick(connection, when: datetime) -> None:
    connection.set(SCHEDULER_TICK_KEY, when.isoformat(), ex=24 * 3600)


@dataclass(frozen=True)
class ReferenceCounts:
    units: int
    departments: int
    indicators: int
    scales: int


def reference_counts() -> ReferenceCounts:
    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return ReferenceCounts(units=count(Region, Region.parent_id.is_not(None)), departments=count(Department),
                           indicators=count(Indicator), scales=count(Scale))
