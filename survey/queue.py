"""The job queue: enqueue after commit, deterministic job ids, progress, status.

Jobs are referred to by dotted path (``"workers.demo.load_demo"``) so the web process never
imports worker code. Arguments and results are JSON (``JSONSerializer``): ids and plain values,
never pickled objects.

Enqueueing uses a *fail-fast* Redis client (short connect timeout, no retries): when Redis is
down the request that just committed still answers at once, and the periodic sweepers re-enqueue
whatever is still waiting in the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app, has_app_context
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry as RedisRetry
from rq import Queue, Retry, get_current_job
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

SERIALIZER = JSONSerializer
DEFAULT_QUEUE = "default"
DEFAULT_TIMEOUT = 600  # seconds a job may run before RQ kills it
DEFAULT_RETRY = Retry(max=3, interval=[10, 60, 300])  # delayed retries need the worker's scheduler
# A job in one of these states will still run: enqueueing its id again must leave it alone.
PENDING = frozenset({JobStatus.CREATED, JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED,
                     JobStatus.DEFERRED})

ProgressFn = Callable[[int, int, str], None]


def connect(url: str, *, fail_fast: bool, connect_timeout: float = 0.5, socket_timeout: float = 2.0) -> Redis:
    """A Redis client. Fail-fast clients never retry (redis-py 8 retries ~3.5 s by default)."""
    if fail_fast:
        return Redis.from_url(
            url,
            socket_connect_timeout=connect_timeout,
            socket_timeout=socket_timeout,
            retry=RedisRetry(NoBackoff(), 0),
        )
    return Redis.from_url(url, health_check_interval=30)


def client() -> Redis:
    """The current app's fail-fast client, created on first use (never at import)."""
    ext = current_app.extensions
    if "survey_redis" not in ext:
        cfg = current_app.config
        ext["survey_redis"] = connect(
            cfg["REDIS_URL"], fail_fast=True,
            connect_timeout=cfg["REDIS_CONNECT_TIMEOUT"], socket_timeout=cfg["REDIS_SOCKET_TIMEOUT"],
        )
    return ext["survey_redis"]


def get_queue(name: str | None = None, *, connection: Redis | None = None) -> Queue:
    return Queue(name or current_app.config.get("QUEUE_NAME", DEFAULT_QUEUE),
                 connection=connection or client(), serializer=SERIALIZER)


def enqueue(
    func_path: str,
    *args: Any,
    job_id: str | None = None,
    queue: str | None = None,
    retry: Retry | None = DEFAULT_RETRY,
    timeout: int = DEFAULT_TIMEOUT,
    description: str | None = None,
    connection: Redis | None = None,
    **kwargs: Any,
) -> str | None:
    """Put ``func_path(*args, **kwargs)`` on the queue; call it only after the data it needs is committed.

    With a ``job_id`` the call is idempotent: a job with that id that will still run is left alone;
    one that finished, failed or was stopped is deleted and enqueued afresh (RQ keeps finished and
    failed ids for their TTLs, so ``unique=True`` alone would refuse them).

    Returns the job id, or ``None`` when Redis cannot be reached (logged, never raised).
    """
    if retry is DEFAULT_RETRY and has_app_context():  # the intervals are a setting (tests shorten them)
        intervals = list(current_app.config.get("JOB_RETRY_INTERVALS", DEFAULT_RETRY.intervals))
        retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    try:
        q = get_queue(queue, connection=connection)
        if job_id is not None:
            old = fetch_job(job_id, connection=q.connection)
            if old is not None:
                if old.get_status(refresh=False) in PENDING:
                    return job_id
                old.delete()
        options = dict(job_id=job_id, retry=retry, timeout=timeout, description=description,
                       unique=job_id is not None)
        try:
            job = q.enqueue_call(func_path, args=args, kwargs=kwargs, **options)
        except DuplicateJobError:  # another process enqueued the same id a moment ago
            return job_id
        return job.id
    except RedisError as exc:
        log.warning("queue unavailable, %s not enqueued (job id %s): %s", func_path, job_id, exc)
        return None


def fetch_job(job_id: str, *, connection: Redis | None = None) -> Job | None:
    try:
        return Job.fetch(job_id, connection=connection or client(), serializer=SERIALIZER)
    except NoSuchJobError:
        return None


@dataclass(frozen=True)
class JobView:
    """What a page may show of a job: status and progress, an error summary, no internals."""

    id: str
    description: str
    status: str
    done: int
    total: int
    message: str
    error: str | None
    enqueued_at: str | None
    ended_at: str | None

    @property
    def percent(self) -> float:
        if self.status == JobStatus.FINISHED:
            return 100.0
        return round(100.0 * self.done / self.total, 1) if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "percent": self.percent}


def job_view(job_id: str, *, connection: Redis | None = None) -> JobView | None:
    job = fetch_job(job_id, connection=connection)
    if job is None:
        return None
    progress = job.get_meta(refresh=False).get("progress", {})
    status = job.get_status(refresh=False)
    error = None
    if status == JobStatus.FAILED:
        result = job.latest_result()
        text = (result.exc_string if result else None) or ""
        error = text.strip().splitlines()[-1] if text.strip() else "failed"
    return JobView(
        id=job.id, description=job.description or job.id,
        status=str(status.value if isinstance(status, JobStatus) else status),
        done=int(progress.get("done", 0)), total=int(progress.get("total", 0)),
        message=str(progress.get("message", "")), error=error,
        enqueued_at=job.enqueued_at.isoformat() if job.enqueued_at else None,
        ended_at=job.ended_at.isoformat() if job.ended_at else None,
    )


def progress_reporter(min_interval: float = 0.2) -> ProgressFn:
    """A ``progress(done, total, message)`` callback that writes into the current job's meta.

    Outside a job (CLI, tests) it does nothing, so services can take it as a plain callable.
    Writes are throttled to one every ``min_interval`` seconds; the last step is always written.
    """
    job = get_current_job()
    if job is None:
        return lambda done, total, message="": None
    last = 0.0

    def report(done: int, total: int, message: str = "") -> None:
        nonlocal last
        now = time.monotonic()
        if done < total and now - last < min_interval:
            return
        last = now
        job.meta["progress"] = {"done": int(done), "total": int(total), "message": message}
        job.save_meta()

    return report
