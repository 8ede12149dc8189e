"""The platform's own costs: bulk inserts, job throughput, and enqueueing with Redis down.

Baselines, measured in the same run:
- bulk insert: the raw ``sqlite3`` driver's ``executemany`` of the same rows;
- job throughput: plain RQ (``SimpleWorker``, default Job class, no app context);
- enqueue with Redis down: redis-py's default client, which retries before giving up.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from redis import Redis
from rq import Queue, SimpleWorker, Worker
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, insert

from survey import create_app, queue, redis_server
from survey.extensions import configure_sqlite
from workers.appjob import AppJob, bind_app

from .harness import Result, best_of


def _rows(n: int) -> list[dict]:
    return [{"id": i, "phone": f"1380000{i:04d}", "stratum": i % 12, "weight": 1.0 + i % 7} for i in range(n)]


def bulk_insert(tmp: Path, n: int) -> Result:
    rows = _rows(n)

    def raw() -> None:
        path = tmp / "raw.db"
        path.unlink(missing_ok=True)
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, phone TEXT, stratum INTEGER, weight REAL)")
        con.executemany("INSERT INTO t VALUES (:id, :phone, :stratum, :weight)", rows)
        con.commit()
        con.close()

    def ours() -> None:
        path = tmp / "ours.db"
        path.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{path}")
        configure_sqlite(engine, busy_timeout_ms=15_000)
        table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("phone", String(20)),
                      Column("stratum", Integer), Column("weight", Float))
        with engine.begin() as conn:
            table.create(conn)
            conn.execute(insert(table), rows)
        engine.dispose()

    baseline = n / best_of(3, raw)
    value = n / best_of(3, ours)
    return Result("platform", "bulk insert (SQLAlchemy Core, SQLite)", value, "rows/s", baseline, target=0.3,
                  note=f"{n:,} rows; baseline: sqlite3 executemany")


def job_throughput(app, conn: Redis, n: int) -> list[Result]:
    """Jobs per second from the first job's start to the last job's end (worker start-up excluded)."""
    bind_app(app)

    def drain(worker_class, job_class=None) -> float:
        conn.flushdb()
        q = Queue("bench", connection=conn, serializer=queue.SERIALIZER)
        jobs = [q.enqueue_call("benchmarks.jobs.noop", result_ttl=600) for _ in range(n)]
        kwargs = {"job_class": job_class} if job_class else {}
        worker_class([q], connection=conn, serializer=queue.SERIALIZER, **kwargs).work(
            burst=True, logging_level="WARNING")
        for job in jobs:
            job.refresh()
        span = max(j.ended_at for j in jobs) - min(j.started_at for j in jobs)
        return n / span.total_seconds()

    drain(SimpleWorker)  # warm-up: imports, Redis scripts
    baseline = drain(SimpleWorker)
    simple = drain(SimpleWorker, AppJob)
    forking = drain(Worker, AppJob)
    return [
        Result("platform", "jobs/s, SimpleWorker + app context", simple, "jobs/s", baseline, target=0.7,
               note=f"{n} no-op jobs; baseline: plain RQ SimpleWorker"),
        Result("platform", "jobs/s, forking Worker + app context", forking, "jobs/s", baseline,
               note="the default worker: a fresh process per job isolates crashes and leaks"),
    ]


class _HungRedis:
    """A port that accepts connections and never answers: a Redis that hangs."""

    def __enter__(self) -> str:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        return f"redis://127.0.0.1:{self.sock.getsockname()[1]}/0"

    def __exit__(self, *exc) -> None:
        self.sock.close()


def enqueue_with_redis_down(tmp: Path, cap: float = 5.0) -> Result:
    """How long a request waits to enqueue when Redis accepts connections but never answers."""
    with _HungRedis() as hung:
        app = create_app({"REDIS_URL": hung, "INSTANCE_PATH": str(tmp / "instance")})
        with app.app_context():
            value = best_of(1, lambda: queue.enqueue("benchmarks.jobs.noop"))

        def default_client() -> None:
            with contextlib.suppress(Exception):
                Queue("bench", connection=Redis.from_url(hung)).enqueue_call("benchmarks.jobs.noop")

        waiter = threading.Thread(target=default_client, daemon=True)
        started = time.perf_counter()
        waiter.start()
        waiter.join(cap)
        baseline = time.perf_counter() - started
    return Result("platform", "enqueue wait, Redis hung", value, "s", baseline, target=0.25, higher_is_better=False,
                  note=f"baseline: redis-py's default client, which has no timeout (cut off at {cap:.0f} s)")


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        daemon = redis_server.start(tmp / "redis")
        try:
            app = create_app({"REDIS_URL": daemon.url, "INSTANCE_PATH": str(tmp / "instance"),
                              "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}"})
            conn = Redis.from_url(daemon.url)
            results = [bulk_insert(tmp, 20_000 if quick else 200_000)]
            results += job_throughput(app, conn, 100 if quick else 500)
            results.append(enqueue_with_redis_down(tmp))
            return results
        finally:
            daemon.stop()
