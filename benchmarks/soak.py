"""Soak: 50 callers with ~2 s think time against gunicorn (2 × 4 threads) and two RQ workers (``--simple``, as
``make run``) for 10 minutes.

The fieldwork benchmark's set-up and callers (:mod:`benchmarks.fieldwork`), run minute after minute, watching
what a long day does: p95 latency per minute (last minute vs the first), the resident memory of the server
and worker processes (end vs start), errors, and at the end every submitted interview processed and no job
failed. Baseline for the latencies: the first minute's p95, same run. ``quick``: 2 minutes.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from survey import create_app, redis_server
from survey.devstack import stop_all

from .fieldwork import ROOT, _health_p50, _load, _prepare, _serve
from .harness import Result

MINUTE = 60


def _pss_mb(procs: list[subprocess.Popen]) -> float:
    """Proportional memory (PSS: shared pages divided among their sharers, so forked children are not counted
    twice) of these processes and their children (gunicorn's workers, RQ's work horses)."""
    total = 0
    for proc in procs:
        try:
            parent = psutil.Process(proc.pid)
            for p in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):  # a work horse that finished meanwhile
                    total += p.memory_full_info().pss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def _left(env: dict) -> tuple[int, int]:
    """Interviews still waiting to be processed, and failed jobs."""
    from sqlalchemy import func, select

    from survey import queue
    from survey.extensions import db
    from survey.models import Interview

    app = create_app({"DATABASE_URL": env["SURVEY_DATABASE_URL"], "REDIS_URL": env["SURVEY_REDIS_URL"],
                      "INSTANCE_PATH": env["SURVEY_INSTANCE_PATH"]})
    with app.app_context():
        waiting = db.session.scalar(select(func.count()).select_from(Interview).where(Interview.status == "received"))
        failed = len(queue.get_queue().failed_job_registry)
    return waiting, failed


def run(quick: bool) -> list[Result]:
    minutes = 2 if quick else 10
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis = redis_server.start(tmp / "redis")
        procs: list[subprocess.Popen] = []
        try:
            env, round_id, names, answers = _prepare(tmp, redis.url)
            port = redis_server.free_port()
            procs.append(_serve(env, port, tmp / "gunicorn.log"))
            # Two workers as `make run` starts them (--simple); the first runs the scheduler (the sweeper).
            for args in (["--simple"], ["--simple", "--no-cron"]):
                procs.append(subprocess.Popen([sys.executable, "-m", "workers", *args], cwd=ROOT, env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            base = f"http://127.0.0.1:{port}"
            floor = _health_p50(base)
            p95s, memory, requests, errors = [], [], 0, 0
            for _ in range(minutes):
                window = _load(base, round_id, names, answers, 2.0, MINUTE)
                work = [v for k, values in window["latencies"].items() if k != "login" for v in values]
                p95s.append(float(np.percentile(work, 95)) if work else float("nan"))
                memory.append(_pss_mb(procs))  # after each minute: the first is the warmed-up baseline
                requests += len(work)
                errors += len(window["errors"])
            deadline = time.monotonic() + 120
            waiting, failed = _left(env)
            while waiting and time.monotonic() < deadline:
                time.sleep(1)
                waiting, failed = _left(env)
        finally:
            stop_all(procs, timeout=30)
            redis.stop()
    return [
        Result("soak", f"p95 latency, last of {minutes} minutes", p95s[-1], "ms", baseline=p95s[0], target=1.5,
               higher_is_better=False, note=f"baseline: the first minute's p95; GET /health p50 {floor:.1f} ms; "
                                            f"per minute: {', '.join(f'{p:.0f}' for p in p95s)}"),
        Result("soak", "memory (PSS) of server + workers, last vs first minute", memory[-1], "MB", baseline=memory[0],
               target=1.5, higher_is_better=False, note="per minute: " + ", ".join(f"{m:.0f}" for m in memory)),
        Result("soak", "requests answered", requests, "requests", note=f"{errors} errors"),
        Result("soak", "errors", errors, "errors", target=0, higher_is_better=False, absolute=True),
        Result("soak", "interviews left unprocessed 2 min after the load", waiting, "interviews", target=0,
               higher_is_better=False, absolute=True, note=f"failed jobs: {failed}"),
    ]
