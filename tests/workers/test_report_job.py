"""A coordinator's "build the report" runs in a real worker process and ends in a ready snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from survey.extensions import db
from survey.models import ReportSnapshot

from ..conftest import log_in, make_fielding_round, make_user
from ..services.test_fieldwork import complete_answers

pytestmark = pytest.mark.committed


def test_the_report_is_built_by_a_worker_with_progress(committed_app, worker, redis, tmp_path):
    from survey.services import fieldwork, interviews

    with committed_app.app_context():
        round_id = make_fielding_round(Path(tmp_path), "报告任务轮", people=800, seed=4)
        caller = make_user("caller")
        case = fieldwork.claim_next(round_id, caller, now=datetime.now(UTC) - timedelta(minutes=5))
        stored = fieldwork.submit_interview(case.id, caller, {"idempotency_key": "j" * 32,
                                                              "answers": {**complete_answers(), "recontact": "no"}},
                                            now=datetime.now(UTC) - timedelta(minutes=5)).interview
        interviews.process(stored.id)
        coordinator = make_user("coordinator").get_id()
    client = committed_app.test_client()
    log_in(client, coordinator)
    assert client.post(f"/reports/rounds/{round_id}/build").status_code == 303
    with committed_app.app_context():
        snapshot = db.session.query(ReportSnapshot).filter_by(round_id=round_id).one()
        assert snapshot.status == "building"
        job_id = snapshot.job_id
    page = client.get(f"/reports/rounds/{round_id}").get_data(as_text=True)
    assert f"/jobs/{job_id}" in page  # the progress bar follows the job

    done = worker()
    assert done.returncode == 0, done.stderr
    status = client.get(f"/jobs/{job_id}").json
    assert status["status"] == "finished" and status["percent"] == 100.0
    with committed_app.app_context():
        snapshot = db.session.get(ReportSnapshot, snapshot.id)
        assert snapshot.status == "ready" and snapshot.content["sample"]["respondents"] == 1
    assert 'id="heatmap"' in client.get(f"/reports/rounds/{round_id}").get_data(as_text=True)
