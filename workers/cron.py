"""The periodic-job scheduler: ``python -m workers.cron`` (started by ``python -m workers``).

RQ's ``--with-scheduler`` runs delayed jobs and retries only. RQ 3's own ``CronScheduler`` would
pickle its jobs, while ours are JSON, so this is a small loop instead. Each periodic job has a
deterministic id (``cron-<name>``): a run still queued or running is never doubled, and a
per-tick ``SET NX`` lets several schedulers run side by side without enqueueing a tick twice.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass

from redis import Redis

from survey import create_app, queue

log = logging.getLogger("workers.cron")


@dataclass(frozen=True)
class Periodic:
    name: str
    func_path: str
    every: int  # seconds


# Later features add their sweepers here.
PERIODIC: tuple[Periodic, ...] = (
    Periodic("heartbeat", "workers.maintenance.heartbeat", every=30),
    Periodic("purge-uploads", "workers.maintenance.purge_uploads", every=3600),
    Periodic("sweep-interviews", "workers.interviews.sweep", every=60),
    Periodic("erase-phones", "workers.maintenance.erase_phones", every=3600),
)


def due(job: Periodic, now: float, connection: Redis) -> bool:
    """True for exactly one scheduler per ``every``-second tick."""
    tick = int(now // job.every)
    return bool(connection.set(f"survey:cron:{job.name}:{tick}", "1", nx=True, ex=job.every * 2))


def run_once(connection: Redis, now: float | None = None, jobs: tuple[Periodic, ...] = PERIODIC) -> list[str]:
    """Enqueue every periodic job whose tick has come; return the ids enqueued."""
    now = time.time() if now is None else now
    enqueued = []
    for job in jobs:
        if due(job, now, connection):
            job_id = queue.enqueue(job.func_path, job_id=f"cron-{job.name}", connection=connection,
                                   retry=None, description=f"periodic: {job.name}")
            if job_id:
                enqueued.append(job_id)
    return enqueued


def main() -> None:
    app = create_app()
    stop = False

    def _stop(signum, _frame) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    connection = queue.connect(app.config["REDIS_URL"], fail_fast=False)
    log.info("periodic jobs: %s", ", ".join(f"{j.name} every {j.every}s" for j in PERIODIC))
    with app.app_context():
        while not stop:
            try:
                run_once(connection)
            except Exception:  # keep scheduling through a Redis restart
                log.exception("periodic enqueue failed")
            for _ in range(10):
                if stop:
                    break
                time.sleep(0.1)


if __name__ == "__main__":
    main()
