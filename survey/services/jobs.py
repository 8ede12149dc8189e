"""Starting maintenance jobs by their deterministic ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis.exceptions import RedisError
from rq.job import Job

from .. import queue

DEMO_LOAD_JOB = "seed-demo"
QUEUE_CHECK_JOB = "queue-check"


def start_demo_load() -> str | None:
    """Queue the demo load; an already queued or running load is reused, never doubled."""
    return queue.enqueue("workers.demo.load_demo", job_id=DEMO_LOAD_JOB,
                         description="载入示范城市数据 Load the demo city", retry=None)


def pending(job_id: str) -> str | None:
    """``job_id`` while that job is queued or running (None otherwise, or without Redis)."""
    try:
        view = queue.job_view(job_id)
    except RedisError:
        return None
    return job_id if view is not None and view.status in ("queued", "started", "scheduled", "deferred") else None


def start_queue_check(steps: int = 10, delay: float = 0.3) -> str | None:
    """A harmless job that walks through ``steps`` steps, to show the queue and worker are alive."""
    return queue.enqueue("workers.maintenance.queue_check", steps, delay, job_id=QUEUE_CHECK_JOB,
                         description="检查任务队列 Queue check", retry=None)


@dataclass(frozen=True)
class FailedJob:
    id: str
    description: str
    error: str  # the exception's last line
    ended_at: datetime | None


def failed_jobs(limit: int = 100) -> list[FailedJob]:
    """Jobs in the failed registry, newest first (empty when Redis cannot be reached)."""
    try:
        q = queue.get_queue()
        ids = list(q.failed_job_registry.get_job_ids())[-limit:]
        out = []
        for job in Job.fetch_many(ids, connection=q.connection):
            if job is None:
                continue
            trace = (job.latest_result().exc_string if job.latest_result() else "") or ""
            lines = [line for line in trace.strip().splitlines() if line.strip()]
            out.append(FailedJob(job.id, job.description or job.func_name, lines[-1] if lines else "", job.ended_at))
        return sorted(out, key=lambda j: j.ended_at or datetime.min, reverse=True)
    except RedisError:
        return []


def retry_failed(job_id: str) -> bool:
    """Run a failed job again (after its cause is fixed); its sweep count starts over."""
    q = queue.get_queue()
    job = queue.fetch_job(job_id, connection=q.connection)
    if job is None or job.get_status() != "failed":
        return False
    q.connection.delete(f"survey:sweeps:{job_id}")
    q.failed_job_registry.requeue(job_id)
    return True


DEMO_ROUNDS_JOB = "seed-demo-rounds"


def start_demo_rounds() -> str | None:
    """Queue the demo's two simulated rounds (after the demo load); never doubled."""
    return queue.enqueue("workers.demo.simulate_rounds", job_id=DEMO_ROUNDS_JOB, timeout=3600, retry=None,
                         description="模拟两轮调查 Simulate the demo's two rounds")
