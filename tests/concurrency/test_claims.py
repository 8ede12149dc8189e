"""No case is ever handed to two callers: 4 OS processes × 3 threads claim over HTTP from gunicorn with
2 worker processes until the round is exhausted. Exclusivity comes from the database (one atomic
UPDATE under BEGIN IMMEDIATE on SQLite, FOR UPDATE SKIP LOCKED on PostgreSQL), so it holds across
processes; runs on whichever database the suite uses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import CallAttempt, Case

from ..conftest import PASSWORD, make_fielding_round, make_user

PROCESSES, THREADS = 4, 3
pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def fielding(committed_app, tmp_path_factory):
    with committed_app.app_context():
        round_id = make_fielding_round(Path(tmp_path_factory.mktemp("frame")), "并发轮", people=2000, seed=4,
                                       design={"strata": ["region"], "target": 60, "completion_rate": 0.5,
                                               "replicates": 2, "reserve_replicates": 1})
        callers = [make_user("caller").username for _ in range(PROCESSES * THREADS)]
        db.session.commit()
        yield round_id, callers


def test_every_case_is_claimed_exactly_once_across_processes(committed_app, fielding, live_server):
    round_id, callers = fielding
    groups = [callers[i * THREADS:(i + 1) * THREADS] for i in range(PROCESSES)]
    clients = [subprocess.Popen([sys.executable, str(Path(__file__).with_name("claim_client.py")), live_server,
                                 str(round_id), PASSWORD, *names], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for names in groups]
    claims = []
    for client in clients:
        out, err = client.communicate(timeout=300)
        assert client.returncode == 0, err
        claims += [json.loads(line) for line in out.splitlines() if line.strip()]
    counted = Counter(c["case"] for c in claims)
    assert max(counted.values()) == 1, [case for case, n in counted.items() if n > 1]
    assert len({c["caller"] for c in claims}) > PROCESSES  # the work really was shared
    with committed_app.app_context():
        released = db.session.scalar(select(func.count()).select_from(Case).where(Case.round_id == round_id,
                                                                                  Case.released))
        open_cases = db.session.scalar(select(func.count()).select_from(Case).where(
            Case.round_id == round_id, Case.released, Case.final_code.is_(None)))
        attempts = db.session.execute(select(CallAttempt.case_id, func.count()).group_by(CallAttempt.case_id)).all()
    assert open_cases == 0 and len(claims) == released  # none lost: every released number was worked
    assert all(n == 1 for _, n in attempts) and len(attempts) == released
