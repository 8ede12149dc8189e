"""Frame imports and draws through real worker processes, on committed data. (That no clear number is stored or
logged is checked for the whole flow by ``test_no_clear_numbers.py``.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Case, FrameImport, FrameUnit
from survey.services import frames, rounds
from survey.services.demo import load_demo
from survey.services.synthetic import write_synthetic_csv

pytestmark = pytest.mark.committed
MAPPING = {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"}


@pytest.fixture(scope="module")
def demo(committed_app):
    with committed_app.app_context():
        load_demo()


def test_a_large_frame_is_imported_by_the_worker_with_progress(committed_app, demo, tmp_path, worker, redis):
    path = tmp_path / "upload.csv"
    with committed_app.app_context():
        write_synthetic_csv(path, people=30_000, seed=11)
        frame = frames.create_frame("through the job")
        record = frames.start_import(frame.id, path, MAPPING, allow_partial=False, filename="big.csv")
        record_id, job_id = record.id, record.job_id
    done = worker(timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with committed_app.app_context():
        record = db.session.get(FrameImport, record_id)
        assert (record.status, record.imported) == ("done", 30_000)
        assert db.session.scalar(select(func.count()).select_from(FrameUnit)
                                 .where(FrameUnit.frame_id == record.frame_id)) == 30_000
        from survey import queue

        view = queue.job_view(job_id)
        assert view.status == "finished" and view.percent == 100.0
    assert not path.exists(), "the upload (clear numbers) is deleted after the import"


def test_the_draw_runs_in_the_worker_and_is_reproducible(committed_app, demo, worker, redis):
    with committed_app.app_context():
        frame = next(f for f in frames.list_frames() if f.name == "through the job")
        design = {"strata": ["region", "urban"], "target": 1200, "base": 50, "completion_rate": 0.32}
        first = rounds.create_round("draw A", frame.id, design)
        second = rounds.create_round("draw B", frame.id, design)
        rounds.request_draw(first.id, seed=2026)
        first_id, second_id = first.id, second.id
    assert worker(timeout=300).returncode == 0
    with committed_app.app_context():
        rounds.draw(second_id, seed=2026)  # the same seed in this process
        def units(round_id):
            return db.session.scalars(select(Case.frame_unit_id).where(Case.round_id == round_id)
                                      .order_by(Case.frame_unit_id)).all()
        assert rounds.get_round(first_id).status == "sampled"
        assert units(first_id) == units(second_id) and len(units(first_id)) > 1200
