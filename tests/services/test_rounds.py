"""Round design, preview and draw over a small synthetic frame."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import delete, func, select

from survey.errors import InvalidState, ValidationError
from survey.models import AuditEvent, Case, Round, Stratum
from survey.sampling.design import Design
from survey.services import frames, rounds
from survey.services.demo import load_demo
from survey.services.synthetic import SYNTHETIC_MAPPING as MAPPING
from survey.services.synthetic import write_synthetic_csv

from ..conftest import make_user

DESIGN = {"strata": ["region", "urban"], "target": 600, "base": 30, "completion_rate": 0.3, "replicates": 4,
          "reserve_replicates": 1}


@pytest.fixture
def frame(db, tmp_path):
    load_demo()
    frame = frames.create_frame("synthetic 6000")
    path = tmp_path / "f.csv"
    write_synthetic_csv(path, people=6000, seed=3)
    assert frames.import_file(frame.id, path, MAPPING).status == "done"
    return frame


def test_the_preview_shows_every_stratum_with_its_numbers(db, frame):
    preview = rounds.preview(frame.id, Design.from_dict(DESIGN))
    strata = preview.plan.strata
    assert len(strata) == 12 and strata[0].key == "chengzhong|urban"
    assert preview.display["chengzhong|urban"] == "城中区 · 城镇"
    assert sum(s.population for s in strata) == 6000 and sum(s.target for s in strata) == 600
    assert all(s.target >= 30 and s.issued == min(s.population, -(-s.target * 10 // 3)) for s in strata)
    short = [s.key for s in strata if s.population < -(-s.target * 10 // 3)]
    assert len(preview.plan.warnings) == len(short)  # a stratum too small to issue what it needs is flagged
    assert 0 < preview.plan.moe < 0.05


def test_the_draw_writes_strata_and_cases_as_previewed(db, frame):
    round_ = rounds.create_round("第一轮", frame.id, DESIGN)
    previewed = rounds.preview(frame.id, Design.from_dict(DESIGN)).plan.strata
    rounds.draw(round_.id, seed=11)
    assert round_.status == "sampled" and round_.seed == 11
    strata = db.session.scalars(select(Stratum).where(Stratum.round_id == round_.id).order_by(Stratum.position)).all()
    assert [(s.key, s.population, s.target, s.issued, s.selected) for s in strata] == \
        [(p.key, p.population, p.target, p.issued, p.selected) for p in previewed]
    for s in strata:
        cases = db.session.scalar(select(func.count()).select_from(Case).where(Case.stratum_id == s.id))
        released = db.session.scalar(select(func.count()).select_from(Case)
                                     .where(Case.stratum_id == s.id, Case.released))
        assert cases == s.selected and released == s.released >= s.issued


def test_the_summary_gives_base_weights(db, frame):
    round_ = rounds.create_round("第一轮", frame.id, DESIGN)
    rounds.draw(round_.id, seed=11)
    for row in rounds.summary(round_):
        assert row.base_weight == pytest.approx(row.population / row.released)


def test_drawing_twice_changes_nothing(db, frame):
    round_ = rounds.create_round("第一轮", frame.id, DESIGN)
    rounds.draw(round_.id, seed=11)
    before = db.session.scalar(select(func.count()).select_from(Case))
    rounds.draw(round_.id, seed=99)
    assert db.session.scalar(select(func.count()).select_from(Case)) == before and round_.seed == 11
    with pytest.raises(InvalidState):
        rounds.update_design(round_, DESIGN)


def test_numbers_called_in_recent_rounds_can_be_excluded(db, frame):
    first = rounds.create_round("第一轮", frame.id, DESIGN)
    rounds.draw(first.id, seed=1)
    called = db.session.scalar(select(func.count()).select_from(Case).where(Case.round_id == first.id))
    second = rounds.create_round("第二轮", frame.id, DESIGN | {"exclude_recent_rounds": 1})
    preview = rounds.preview(frame.id, Design.from_dict(second.design), round_=second)
    assert preview.excluded == called
    rounds.draw(second.id, seed=2)
    overlap = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.round_id == second.id,
        Case.frame_unit_id.in_(select(Case.frame_unit_id).where(Case.round_id == first.id))))
    assert overlap == 0


def test_export_masks_numbers_unless_asked_and_is_audited(db, frame):
    round_ = rounds.create_round("第一轮", frame.id, DESIGN)
    rounds.draw(round_.id, seed=11)
    coordinator = make_user("coordinator")
    masked = rounds.export_csv(round_, with_phones=False, by=coordinator)
    lines = masked.splitlines()
    assert lines[0].lstrip("\ufeff").startswith("case_id,stratum,stratum_label,replicate,released,base_weight,phone")
    assert "****" in lines[1]
    clear = rounds.export_csv(round_, with_phones=True, by=coordinator)
    assert "****" not in clear.splitlines()[1]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sample.exported")).all()
    assert [e.details["with_phones"] for e in events] == [False, True]


@pytest.mark.parametrize("design, field", [
    ({"strata": ["region", "income"], "target": 100}, "strata"),
    ({"target": "many"}, "target"),
    ({"target": 100, "completion_rate": 0}, "completion_rate"),
    ({"target": 100, "completion_rate": {"*": 0.3, "chengzhong": "half"}}, "completion_rate.chengzhong"),
    ({"target": 100, "completion_rate": {"*": 2}}, "completion_rate"),
    ({"method": "precision"}, "moe"),
    ({"method": "quota", "target": 100}, "method"),
    ({}, "target"),
])
def test_a_bad_design_names_its_field(design, field):
    with pytest.raises(ValidationError) as error:
        Design.from_dict(design)
    assert field in {d["field"] for d in error.value.details}


def test_an_infeasible_design_is_refused_when_the_round_is_created(db, frame):
    with pytest.raises(ValidationError) as error:
        rounds.create_round("太大", frame.id, {"target": 600, "base": 200})
    assert error.value.message == "a base of 200 in each of 6 strata needs 1200, more than the 600 wanted"
    assert error.value.details[0]["field"] == "base"
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_a_draw_that_fails_goes_back_to_draft_with_nothing_written(db, frame):
    from survey.models import FrameUnit

    round_ = rounds.create_round("第一轮", frame.id, DESIGN)
    round_.status, round_.seed = "sampling", 5
    db.session.commit()
    db.session.execute(delete(FrameUnit).where(FrameUnit.frame_id == frame.id))
    db.session.commit()  # the frame was emptied after the round was designed
    with pytest.raises(ValidationError):
        rounds.draw(round_.id)
    round_ = rounds.get_round(round_.id)
    assert round_.status == "draft"
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.round_id == round_.id)) == 0
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "round.draw_failed")).one()


def test_without_a_queue_the_draw_request_leaves_the_round_in_draft(app, frame, db, monkeypatch):
    round_ = rounds.create_round("第一轮", frame.id, DESIGN)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # a real, unreachable Redis
    saved = app.extensions.pop("survey_redis", None)
    try:
        assert rounds.request_draw(round_.id, seed=1) is None
    finally:
        app.extensions.pop("survey_redis", None)
        if saved is not None:
            app.extensions["survey_redis"] = saved
    assert rounds.get_round(round_.id).status == "draft"


def test_a_stratum_with_its_own_completion_rate_gets_its_own_issued_numbers(db, frame):
    overall = rounds.preview(frame.id, Design.from_dict({"strata": ["region"], "target": 300, "completion_rate": 0.3}))
    own = rounds.preview(frame.id, Design.from_dict({"strata": ["region"], "target": 300,
                                                     "completion_rate": {"*": 0.3, "chengzhong": 0.15}}))
    for before, after in zip(overall.plan.strata, own.plan.strata, strict=True):
        assert after.target == before.target  # the rate changes the numbers issued, not the allocation
        if after.key == "chengzhong":
            assert (after.rate, after.issued) == (0.15, math.ceil(after.target / 0.15)) and after.issued > before.issued
        else:
            assert (after.rate, after.issued) == (0.3, before.issued)


def test_a_rate_for_a_stratum_the_design_does_not_have_is_refused_by_name(db, frame):
    with pytest.raises(ValidationError) as error:
        rounds.preview(frame.id, Design.from_dict({"strata": ["region"], "target": 300,
                                                   "completion_rate": {"*": 0.3, "chengzhong|urban": 0.2}}))
    assert [d["field"] for d in error.value.details] == ["completion_rate.chengzhong|urban"]
