"""``survey simulate round`` on a fresh machine: it starts RQ workers when none listens, and they process the
interviews (the real queue, a real Redis) while the simulated fieldwork goes on."""

from __future__ import annotations

import subprocess
import sys

import pytest
from redis import Redis
from sqlalchemy import func, select

from survey import redis_server
from survey.extensions import db
from survey.models import Interview, Issue, ReportSnapshot, Round

from ..conftest import ROOT, make_fielding_round, migrated_app, process_env

pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("simulate")
    daemon = redis_server.start(tmp / "redis")
    try:
        with migrated_app(tmp, "simulate", daemon.url) as app:
            with app.app_context():
                round_id = make_fielding_round(tmp, "命令行模拟", people=6000, seed=4,
                                               design={"strata": ["region"], "target": 180, "completion_rate": 0.35})
            yield app, round_id, daemon.url
    finally:
        daemon.stop()


def test_the_command_simulates_a_round_with_workers_it_starts(stack):
    app, round_id, redis_url = stack
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "simulate", "round", str(round_id),
                           "--callers", "6", "--falsifiers", "1", "--seed", "3", "--workers", "1"],
                          cwd=ROOT, env=process_env(app), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "started 1 RQ workers for this run" in out
    for stage in ("fieldwork", "processing", "quality", "follow-up", "report"):
        assert f"  {stage}" in out
    assert "falsifiers: sim-caller-" in out
    # The workers processed the batches: their jobs are in Redis, finished.
    jobs = [k.decode() for k in Redis.from_url(redis_url).keys("rq:job:process-*")]
    assert jobs
    with app.app_context():
        statuses = dict(db.session.execute(select(Interview.status, func.count()).where(Interview.round_id == round_id)
                                           .group_by(Interview.status)).all())
        assert set(statuses) <= {"processed", "quarantined"} and statuses.get("processed", 0) > 100
        assert db.session.scalar(select(func.count()).select_from(Issue).where(Issue.round_id == round_id)) > 0
        assert db.session.get(Round, round_id).status == "closed"
        assert db.session.scalar(select(ReportSnapshot.status).where(ReportSnapshot.round_id == round_id)) == "ready"


def test_a_bad_setting_is_refused_naming_it(stack):
    app, round_id, _ = stack
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "simulate", "round", str(round_id),
                           "--callers", "3", "--falsifiers", "5"],
                          cwd=ROOT, env=process_env(app), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "falsifiers" in done.stderr
