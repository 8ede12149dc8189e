"""The interview pipeline under faults, with real Redis servers and real worker processes.

Nothing submitted is lost when Redis is down (stored first, queued after commit, swept later), the
same submission twice is one interview, and a job that keeps failing waits in the failed registry
until an administrator retries it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select, update

from survey import queue, redis_server
from survey.extensions import db
from survey.models import Complaint, Interview
from survey.services import fieldwork, interviews
from survey.services import jobs as job_service

from ..conftest import ROOT, log_in, make_fielding_round, make_user, migrated_app, process_env
from ..services.test_fieldwork import complete_answers

pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    daemon = redis_server.start(tmp_path_factory.mktemp("redis"))
    yield daemon
    daemon.stop()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, redis):
    """An app with its own Redis, a fielding round and callers, all committed."""
    tmp = tmp_path_factory.mktemp("pipeline")
    with migrated_app(tmp, "pipeline", redis.url) as app:
        with app.app_context():  # not kept pushed: a test's requests must see what other sessions commit
            round_id = make_fielding_round(tmp, "流水线轮", people=1500, seed=2)
        yield app, round_id


def run_worker(app, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workers", "--burst", "--no-cron", *args],
        cwd=ROOT,
        env=process_env(app),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def submit(client, round_id: int, key: str, answers: dict) -> tuple[int, float]:
    response = client.post("/calls/next", data={"round_id": round_id})
    case_url = response.headers["Location"]
    assert "/calls/case/" in case_url, (case_url, response.get_data(as_text=True)[:300])
    case_id = int(case_url.rsplit("/", 1)[1])
    started = time.perf_counter()
    response = client.post(f"/calls/case/{case_id}/interview", json={"idempotency_key": key, "answers": answers})
    return response.status_code, time.perf_counter() - started


def test_redis_down_nothing_lost_then_swept_and_processed_once(pipeline, redis):
    app, round_id = pipeline
    with app.app_context():
        caller_id = make_user("caller").get_id()
        db.session.commit()
        answers = {**complete_answers(), "healthcare": "dissatisfied", "healthcare_why": "排队太久"}
    client = app.test_client()
    log_in(client, caller_id)
    redis.stop()
    try:
        results = [submit(client, round_id, f"down-{i:02d}-key", answers) for i in range(20)]
    finally:
        redis_server.start(Path(redis.pidfile).parent, port=redis.port)
    assert [status for status, _ in results] == [201] * 20
    assert max(seconds for _, seconds in results) < 1.0
    with app.app_context():
        ids = db.session.scalars(select(Interview.id).where(Interview.idempotency_key.like("down-%"))).all()
        assert len(ids) == 20
        assert (
            db.session.scalar(
                select(func.count()).select_from(Interview).where(Interview.id.in_(ids), Interview.status == "received")
            )
            == 20
        )
        assert interviews.sweep(older_than=0)["queued"] == 20
    result = run_worker(app)
    assert result.returncode == 0, result.stderr[-2000:]
    with app.app_context():
        db.session.expire_all()
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Interview)
                .where(Interview.id.in_(ids), Interview.status == "processed")
            )
            == 20
        )
        assert (
            db.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.interview_id.in_(ids))) == 20
        )  # one each: nothing twice
        assert interviews.sweep(older_than=0)["waiting"] == 0


def test_the_same_submission_posted_twice_concurrently_is_one_interview(pipeline):
    app, round_id = pipeline
    with app.app_context():
        caller_id = make_user("caller").get_id()
        db.session.commit()
        answers = complete_answers()
    first = app.test_client()
    log_in(first, caller_id)
    case_id = int(first.post("/calls/next", data={"round_id": round_id}).headers["Location"].rsplit("/", 1)[1])
    body = {"idempotency_key": "twice-concurrently-0001", "answers": answers}
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def post() -> None:
        client = app.test_client()
        log_in(client, caller_id)
        barrier.wait()
        statuses.append(client.post(f"/calls/case/{case_id}/interview", json=body).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 201]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Interview).where(Interview.idempotency_key == body["idempotency_key"])
            )
            == 1
        )


def test_a_job_that_keeps_failing_waits_for_an_administrator_then_succeeds(pipeline):
    app, round_id = pipeline
    app.config["JOB_RETRY_INTERVALS"] = (0, 0, 0)  # its three retries at once, not over six minutes
    try:
        with app.app_context():
            caller = make_user("caller")
            admin_id = make_user("admin").get_id()
            db.session.commit()
            case = fieldwork.claim_next(round_id, caller)
            interview = fieldwork.submit_interview(
                case.id, caller, {"idempotency_key": "fails-until-fixed", "answers": complete_answers()}
            ).interview
            interview_id, payload = interview.id, dict(interview.payload)
            # the cause: a damaged row — the stored answers are not an object any more
            db.session.execute(update(Interview).where(Interview.id == interview_id)
                               .values(payload={"answers": ["damaged"]}))
            db.session.commit()
    finally:
        app.config["JOB_RETRY_INTERVALS"] = (10, 60, 300)
    assert run_worker(app).returncode == 0  # runs the job and its three retries: all fail
    job_id = f"interview-{interview_id}"
    with app.app_context():
        failed = {job.id: job for job in job_service.failed_jobs()}
        assert job_id in failed and "AttributeError" in failed[job_id].error
        assert db.session.get(Interview, interview_id).status == "received"
    client = app.test_client()
    log_in(client, admin_id)
    page = client.get("/admin/jobs/failed").get_data(as_text=True)
    assert job_id in page and "AttributeError" in page
    with app.app_context():  # the cause fixed
        db.session.execute(update(Interview).where(Interview.id == interview_id).values(payload=payload))
        db.session.commit()
    assert client.post(f"/admin/jobs/{job_id}/retry").status_code == 302
    assert run_worker(app).returncode == 0
    with app.app_context():
        assert db.session.get(Interview, interview_id).status == "processed"
        assert job_id not in {job.id for job in job_service.failed_jobs()}


def test_a_worker_killed_mid_job_is_recovered_without_duplicates(pipeline):
    app, round_id = pipeline
    with app.app_context():
        caller = make_user("caller")
        db.session.commit()
        case = fieldwork.claim_next(round_id, caller)
        given = {**complete_answers(), "healthcare": "dissatisfied", "healthcare_why": "挂号难"}
        interview_id = fieldwork.submit_interview(case.id, caller, {"idempotency_key": "killed-mid-job",
                                                                    "answers": given}).interview.id
    job_id = f"interview-{interview_id}"
    env = {**process_env(app), "SURVEY_INTERVIEW_PROCESS_DELAY": "30"}  # it writes its rows, then waits
    worker = subprocess.Popen([sys.executable, "-m", "workers", "--no-cron"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with app.app_context():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                job = queue.fetch_job(job_id)
                if job is not None and job.get_status() == "started":
                    break
                time.sleep(0.2)
            else:
                pytest.fail("the worker never started the job")
        time.sleep(1.0)  # inside the transaction now
    finally:  # the worker and its work horse (RQ gives the horse a session of its own), mid-job
        for process in [*psutil.Process(worker.pid).children(recursive=True), psutil.Process(worker.pid)]:
            process.send_signal(signal.SIGKILL)
        worker.wait()
    with app.app_context():
        assert db.session.get(Interview, interview_id).status == "received"  # its transaction never committed
        assert db.session.scalar(select(func.count()).select_from(Complaint)
                                 .where(Complaint.interview_id == interview_id)) == 0
        counts = interviews.sweep(older_than=0, abandoned_after=0)
        assert counts["queued"] == 1 and counts.get("abandoned") == 1
    result = run_worker(app)
    assert result.returncode == 0, result.stderr[-3000:]
    with app.app_context():
        assert db.session.get(Interview, interview_id).status == "processed"
        assert db.session.scalar(select(func.count()).select_from(Complaint)
                                 .where(Complaint.interview_id == interview_id)) == 1
