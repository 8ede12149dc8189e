"""Worker processes started for one run (``survey simulate round`` when no worker is listening)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis.exceptions import RedisError
from rq import Worker

from survey import queue
from survey.devstack import stop_all

ROOT = Path(__file__).resolve().parent.parent


def listening() -> int:
    """Workers registered on the app's queue (0 when Redis cannot be reached)."""
    try:
        return len(Worker.all(queue=queue.get_queue()))
    except RedisError:
        return 0


@contextmanager
def workers_for_the_run(count: int, *, timeout: float = 20) -> Iterator[int]:
    """Start ``count`` workers (SimpleWorker: no fork per job) if none is listening; stop them afterwards.

    Yields how many were started: 0 when some were already listening, or when Redis is not reachable
    (the caller then does the work itself).
    """
    if count < 1 or listening():
        yield 0
        return
    try:
        queue.client().ping()
    except RedisError:
        yield 0
        return
    procs = [subprocess.Popen([sys.executable, "-m", "workers", "--simple", "--no-cron"], cwd=ROOT)
             for _ in range(count)]
    try:
        deadline = time.monotonic() + timeout
        while listening() < count and time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a worker started for the run exited at once: see its output above")
            time.sleep(0.2)
        yield count
    finally:
        stop_all(procs)
