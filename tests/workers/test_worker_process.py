"""Real worker processes against real Redis and a committed database."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
from sqlalchemy import func, select

from survey import queue
from survey.extensions import db
from survey.models import Region
from survey.services.system import SCHEDULER_TICK_KEY
from workers import cron

from ..conftest import log_in, make_user

pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def admin_id(committed_app) -> str:
    with committed_app.app_context():
        return make_user("admin").get_id()


@pytest.fixture
def client(committed_app, admin_id, redis):
    client = committed_app.test_client()
    log_in(client, admin_id)
    return client


def test_a_job_started_from_the_web_runs_in_a_worker_process(committed_app, client, worker):
    response = client.post("/admin/demo")
    assert response.headers["Location"].endswith("?job=seed-demo")
    assert client.get("/jobs/seed-demo").json["status"] == "queued"

    done = worker()
    assert done.returncode == 0, done.stderr

    status = client.get("/jobs/seed-demo").json
    assert status["status"] == "finished", status
    assert (status["done"], status["total"], status["percent"]) == (6, 6, 100.0)
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Region)) == 7


def test_progress_of_a_running_job_is_visible_while_it_runs(client, worker):
    client.post("/admin/queue-check")  # 10 steps of 0.3 s
    proc = worker(burst=False)
    seen: set[tuple[str, int]] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get("/jobs/queue-check").json
        seen.add((status["status"], status["done"]))
        if status["status"] == "finished":
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    assert ("finished", 10) in seen
    assert any(state == "started" and 0 < done < 10 for state, done in seen), seen


def test_the_scheduler_enqueues_each_periodic_tick_once(committed_app, redis):
    with committed_app.app_context():
        now = time.time()
        assert cron.run_once(redis, now=now) == [f"cron-{job.name}" for job in cron.PERIODIC]
        assert cron.run_once(redis, now=now) == []  # a second scheduler in the same tick
        assert queue.get_queue(connection=redis).count == len(cron.PERIODIC)


def test_worker_runs_periodic_jobs_and_stops_with_its_scheduler(client, redis, worker):
    proc = worker(burst=False)
    deadline = time.monotonic() + 30
    while redis.get(SCHEDULER_TICK_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert redis.get(SCHEDULER_TICK_KEY) is not None, "the heartbeat never ran"
    assert client.get("/health").json["scheduler_last_tick"]

    family = psutil.Process(proc.pid).children(recursive=True)
    assert any("workers.cron" in " ".join(p.cmdline()) for p in family)
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"left behind: {[p.cmdline() for p in alive]}"
