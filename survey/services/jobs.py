"""Starting maintenance jobs by their deterministic ids."""

from __future__ import annotations

from .. import queue

DEMO_LOAD_JOB = "seed-demo"
QUEUE_CHECK_JOB = "queue-check"


def start_demo_load() -> str | None:
    """Queue the demo load; an already queued or running load is reused, never doubled."""
    return queue.enqueue("workers.demo.load_demo", job_id=DEMO_LOAD_JOB,
                         description="载入示范城市数据 Load the demo city", retry=None)


def start_queue_check(steps: int = 10, delay: float = 0.3) -> str | None:
    """A harmless job that walks through ``steps`` steps, to show the queue and worker are alive."""
    return queue.enqueue("workers.maintenance.queue_check", steps, delay, job_id=QUEUE_CHECK_JOB,
                         description="检查任务队列 Queue check", retry=None)
