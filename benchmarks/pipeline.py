"""The interview pipeline: interviews processed per second by two worker processes.

Live: one job per interview (as submissions arrive). Bulk: batches of 200 per job (re-processing a round,
simulation). Workers are ``python -m workers --simple --burst`` (two processes, 2 cores); the forking
worker measured ~22 jobs/s in the platform suite, too slow for live processing at this rate.
Baseline, same run: two such workers draining no-op jobs — the queue's ceiling.
Targets (issue 8): live ≥ 200 interviews/s, bulk ≥ 1,000/s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
from rq import Worker
from sqlalchemy import delete, func, select, update

from survey import create_app, queue, redis_server
from survey.devstack import stop_all
from survey.extensions import db
from survey.models import Complaint, Interview, QualitySignal
from survey.services import accounts, fieldwork, frames, lifecycle, questionnaires, rounds
from survey.services.demo import load_demo
from survey.services.synthetic import write_synthetic_csv

from .harness import Result

ROOT = Path(__file__).resolve().parents[1]
MAPPING = {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"}
BATCH = 200
PACE = 200.0  # submissions per second: issue 8's "live keeps pace with ≥ 200 submissions/s"
SUBMITTERS = 8


def _interviews(app, n: int) -> list[int]:
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        frame = frames.create_frame("pipeline benchmark")
        write_synthetic_csv(Path(app.instance_path).parent / "frame.csv", people=max(4 * n, 5000), seed=3)
        frames.import_file(frame.id, Path(app.instance_path).parent / "frame.csv", MAPPING)
        coordinator = accounts.create_user("bench_coordinator", password="benchmark password 1", role="coordinator")
        demo = questionnaires.list_questionnaires()[0]
        round_ = rounds.create_round("pipeline", frame.id, {"strata": ["region"], "target": n, "completion_rate": 1.0},
                                     by=coordinator, questionnaire_id=demo.id)
        rounds.draw(round_.id, seed=1)
        lifecycle.change_status(round_.id, "fielding", by=coordinator)
        round_.call_rules = {"windows": [["00:00", "24:00"]]}
        caller = accounts.create_user("bench_caller", password="benchmark password 1", role="caller")
        answers = {"S1": 40, "S2": "yes", **{q.code: "fairly_satisfied" for q in demo.questions if q.type == "scale"},
                   "healthcare": "dissatisfied", "healthcare_why": "看病排队时间太长"}
        db.session.commit()
        ids = []
        for i in range(n):
            case = fieldwork.claim_next(round_.id, caller)
            ids.append(fieldwork.submit_interview(case.id, caller, {"idempotency_key": f"bench-{i:08d}",
                                                                    "answers": answers}).interview.id)
        return ids


def _reset(app, ids: list[int]) -> None:
    with app.app_context():
        db.session.execute(delete(Complaint))
        db.session.execute(delete(QualitySignal))
        db.session.execute(update(Interview).values(status="received", processed_at=None, scores=None))
        db.session.commit()


def _drain(env: dict, app, job_ids: list[str], expected: int | None) -> float:
    """Seconds two SimpleWorker processes take from the first job's start to the last job's end (their
    start-up is not counted), read from the jobs' own timestamps."""
    workers = [subprocess.Popen([sys.executable, "-m", "workers", "--simple", "--burst", "--no-cron"], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    for w in workers:
        w.wait(timeout=600)
    with app.app_context():
        if expected is not None:
            done = db.session.scalar(select(func.count()).select_from(Interview).where(Interview.status == "processed"))
            assert done == expected, f"{done} of {expected} processed"
        jobs = [queue.fetch_job(job_id) for job_id in job_ids]
    return (max(j.ended_at for j in jobs) - min(j.started_at for j in jobs)).total_seconds()


def _paced(env: dict, app, ids: list[int], rate: float) -> tuple[float, float, float, float]:
    """Submissions arriving at ``rate`` per second while two workers run, as a live round sees them.

    Each arrival makes one interview ``received`` (a write transaction, as a submission's) and queues its
    job. Returns (interviews processed per second from the first arrival to the last processing, the 95th
    percentile of arrival → processed in seconds, seconds from the last arrival until all were processed,
    the arrival rate achieved).
    """
    with app.app_context():
        # Not yet arrived: parked outside the workers' reach until the producer lets them in.
        db.session.execute(update(Interview).values(status="quarantined"))
        db.session.commit()
    workers = [subprocess.Popen([sys.executable, "-m", "workers", "--simple", "--no-cron"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        with app.app_context():
            connection = queue.client()
            deadline = time.monotonic() + 60
            while len(Worker.all(connection=connection)) < 2:
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not start")
                time.sleep(0.1)
        arrived: dict[int, datetime] = {}
        start = time.monotonic() + 0.5

        def submitter(mine: list[tuple[int, int]]) -> None:
            # Several at once, as a web server's threads take callers' requests: one slow write (SQLite has
            # one writer) delays that submission, not every one after it.
            with app.app_context():
                for k, interview_id in mine:
                    time.sleep(max(0.0, start + k / rate - time.monotonic()))
                    db.session.execute(update(Interview).where(Interview.id == interview_id)
                                       .values(status="received"))
                    db.session.commit()
                    arrived[interview_id] = datetime.now(UTC)
                    queue.enqueue("workers.interviews.process", interview_id, job_id=f"paced-{interview_id}")

        schedule = list(enumerate(ids))
        threads = [threading.Thread(target=submitter, args=(schedule[t::SUBMITTERS],)) for t in range(SUBMITTERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        last_arrival = max(arrived.values())
        with app.app_context():
            deadline = time.monotonic() + 300
            while db.session.scalar(select(func.count()).select_from(Interview)
                                    .where(Interview.status != "processed")):
                db.session.rollback()
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not catch up within 5 minutes")
                time.sleep(0.05)
            processed = dict(db.session.execute(select(Interview.id, Interview.processed_at)).all())
    finally:
        stop_all(workers)
    lags = sorted((processed[i] - arrived[i]).total_seconds() for i in ids)
    first, done = min(arrived.values()), max(processed.values())
    return (len(ids) / (done - first).total_seconds(), lags[int(0.95 * (len(lags) - 1))],
            max(0.0, (done - last_arrival).total_seconds()), (len(ids) - 1) / (last_arrival - first).total_seconds())


def run(quick: bool) -> list[Result]:
    n = 1_000 if quick else 4_000
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis = redis_server.start(tmp / "redis")
        try:
            app = create_app({"INSTANCE_PATH": str(tmp / "instance"), "DATABASE_URL": f"sqlite:///{tmp / 'b.db'}",
                              "REDIS_URL": redis.url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
            ids = _interviews(app, n)  # each submission queued its own job (live)
            env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
            env.update({"SURVEY_DATABASE_URL": app.config["DATABASE_URL"], "SURVEY_REDIS_URL": redis.url,
                        "SURVEY_INSTANCE_PATH": app.instance_path, "SURVEY_SECRET_KEY": app.config["SECRET_KEY"],
                        "SURVEY_PHONE_KEY": app.config["PHONE_KEY"], "PYTHONPATH": str(ROOT)})
            live = n / _drain(env, app, [f"interview-{i}" for i in ids], n)
            _reset(app, ids)
            with app.app_context():
                bulk_ids = [queue.enqueue("workers.interviews.process_many", ids[start:start + BATCH],
                                          job_id=f"bulk-{start}") for start in range(0, n, BATCH)]
            bulk = n / _drain(env, app, bulk_ids, n)
            with app.app_context():
                noop_ids = [queue.enqueue("benchmarks.jobs.noop", retry=None) for _ in range(n)]
            ceiling = n / _drain(env, app, noop_ids, None)
            _reset(app, ids)
            paced, lag_p95, catch_up, arrivals = _paced(env, app, ids, PACE)
        finally:
            redis.stop()
    note = ("two `python -m workers --simple` processes, from the first job's start to the last one's end; "
            "baseline: the same draining no-op jobs (the queue's ceiling)")
    return [
        Result("pipeline", f"live: one job per interview ({n:,})", live, "interviews/s", ceiling, target=200,
               absolute=True, note=note),
        Result("pipeline", f"bulk: {BATCH} interviews per job ({n:,})", bulk, "interviews/s", ceiling, target=1000,
               absolute=True),
        # Keeping pace = the backlog stays bounded: everything is processed shortly after the last arrival.
        Result("pipeline", f"paced: {PACE:.0f} submissions/s arriving ({n:,}), all processed after the last",
               catch_up, "s", lag_p95, target=1.0, higher_is_better=False, absolute=True,
               note=f"two workers running while submissions arrive ({arrivals:.0f}/s achieved, {SUBMITTERS} submitting "
                    f"threads; {paced:.0f} interviews/s processed from the first arrival to the last processing); "
                    "baseline: the 95th percentile of arrival → processed, s"),
        Result("pipeline", "no-op jobs (the queue's ceiling)", ceiling, "jobs/s"),
    ]
