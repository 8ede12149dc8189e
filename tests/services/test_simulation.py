"""Simulated rounds go through the real pipeline: the services a caller uses, processing, issues, verification,
the report — and what they find is what the synthetic population holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from survey.errors import InvalidState, ValidationError
from survey.extensions import db as _db
from survey.fieldwork.rules import CallRules
from survey.models import (
    Answer,
    CallAttempt,
    Case,
    Complaint,
    Interview,
    Issue,
    IssueEvent,
    ReportSnapshot,
    Round,
    SimulationRun,
    Stratum,
    Verification,
)
from survey.services import design_evaluation, lifecycle, rounds, simulation
from tests.conftest import make_fielding_round, make_user

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _round(tmp_path, name: str, *, target: int, people: int = 20_000, seed: int = 3) -> int:
    round_id = make_fielding_round(tmp_path, name, people=people, seed=seed,
                                   design={"strata": ["region"], "target": target, "completion_rate": 0.35})
    round_ = _db.session.get(Round, round_id)
    round_.call_rules = CallRules().to_dict()  # the default windows: the simulated clock must respect them
    _db.session.commit()
    return round_id


def test_a_simulated_round_is_fielded_processed_followed_up_and_reported(app, db, tmp_path):
    round_id = _round(tmp_path, "模拟演练", target=240)
    settings = simulation.Settings(callers=8, falsifiers=1, seed=4, start=NOW - timedelta(days=40))

    outcome = simulation.simulate_round(round_id, settings, now=NOW)

    # Every stratum reached its completes during fieldwork (those verification later found falsified are
    # final "O" now, their stratum given fresh sample), and none was called past it: its quota closes.
    for stratum in _db.session.scalars(select(Stratum).where(Stratum.round_id == round_id)):
        completes = _db.session.scalar(select(func.count()).select_from(Case).where(
            Case.stratum_id == stratum.id, Case.final_group.in_(("I", "O"))))
        assert completes == stratum.target
    assert outcome.counts["completes"] == 240
    # Every dial is a call attempt with its AAPOR code, recorded when the call ended — so a call begun inside a
    # calling window (the clock never dials outside one) ends in it or a few minutes after — within the cap.
    attempts = _db.session.scalars(select(CallAttempt).where(CallAttempt.round_id == round_id)).all()
    assert len(attempts) == outcome.counts["dials"] > outcome.counts["interviews"]
    rules = CallRules()
    assert all(a.aapor_code for a in attempts)
    assert all(any(rules.in_window(a.started_at.replace(tzinfo=UTC) - timedelta(minutes=m)) for m in range(21))
               for a in attempts)
    assert _db.session.scalar(select(func.max(Case.attempts)).where(Case.round_id == round_id)) <= rules.max_attempts
    # Interviews were stored with their answers and processed; complaints became issues heard at submission.
    interviews = _db.session.scalars(select(Interview).where(Interview.round_id == round_id)).all()
    assert {i.status for i in interviews} <= {"processed", "quarantined"}
    assert all(_db.session.scalar(select(func.count()).select_from(Answer).where(Answer.interview_id == i.id)) >= 3
               for i in interviews)
    complaints = _db.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.round_id == round_id))
    issues = _db.session.scalars(select(Issue).where(Issue.round_id == round_id)).all()
    assert complaints == len(issues) > 0
    submitted = {i.id: i.submitted_at for i in interviews}
    assert all(issue.created_at == submitted[issue.interview_id] for issue in issues)
    # The follow-up happened on a timeline that ends before now, by people allowed to act.
    assert _db.session.scalar(select(func.max(IssueEvent.at)).join(Issue).where(Issue.round_id == round_id)) \
        .replace(tzinfo=UTC) <= NOW
    assert {"assigned", "rectified", "closed"} <= {e.to_status for e in _db.session.scalars(
        select(IssueEvent).join(Issue).where(Issue.round_id == round_id))}
    # The falsifier's interviews are found: every one verified is "falsified" and quarantined, no honest one is.
    done = _db.session.scalars(select(Verification).where(Verification.round_id == round_id,
                                                          Verification.kind == "interview")).all()
    falsified = {v.interview_id for v in done if v.outcome == "falsified"}
    assert outcome.counts["falsified"] == len(falsified) > 0
    by_id = {i.id: i for i in interviews}
    falsifier = _db.session.scalar(select(Interview.caller_id).where(Interview.id.in_(falsified)).limit(1))
    assert {by_id[i].caller_id for i in falsified} == {falsifier}
    assert {i.id for i in interviews if i.status == "quarantined"} == falsified
    # The round is closed and its report built.
    assert _db.session.get(Round, round_id).status == "closed"
    snapshot = _db.session.get(ReportSnapshot, outcome.snapshot_id)
    assert snapshot.status == "ready" and snapshot.content["sample"]


def test_a_recent_round_is_still_being_followed_up(app, db, tmp_path):
    """Events later than now have not happened: a round fielded days ago has issues still open."""
    round_id = _round(tmp_path, "刚结束的一轮", target=120)
    settings = simulation.Settings(callers=8, seed=5, start=NOW - timedelta(days=4))

    simulation.simulate_round(round_id, settings, now=NOW)

    statuses = set(_db.session.scalars(select(Issue.status).where(Issue.round_id == round_id)))
    assert statuses & {"new", "assigned", "rectified", "awaiting_callback", "reviewed"}
    assert "closed" not in statuses


def test_the_report_finds_the_built_in_drift_between_rounds(app, db, tmp_path):
    """Round 2 (a copy: wave 2) moves every district × indicator a little (a few points; up to ~7). Wherever the
    report calls a change significant the true change has that sign, and changes far beyond their standard
    error are all found — at 2,400 completes a round, some districts' largest moves."""
    first = _round(tmp_path, "第一轮", target=2_400, people=100_000)
    seed = 9
    simulation.simulate_round(first, simulation.Settings(callers=30, seed=seed, follow_up=False,
                                                         start=NOW - timedelta(days=60)), now=NOW)
    coordinator = make_user("coordinator", "drift-coordinator")
    second = rounds.copy_round(first, "第二轮", by=coordinator)
    rounds.draw(second.id, seed=11)
    lifecycle.change_status(second.id, "fielding", by=coordinator)
    outcome = simulation.simulate_round(second.id, simulation.Settings(callers=30, seed=seed, follow_up=False,
                                                                       start=NOW - timedelta(days=30)), now=NOW)

    assert simulation.wave_of(_db.session.get(Round, second.id)) == 2
    population = design_evaluation.population_for(_db.session.get(Round, second.id), seed=seed)
    before, after = population.drift(1).true_scores(), population.drift(2).true_scores()
    rows = [r for r in _db.session.get(ReportSnapshot, outcome.snapshot_id).content["changes"]
            if r["domain"] != "all" and r["measure"] == "score" and r["diff"] is not None]
    assert len(rows) == len(population.districts) * len(population.indicators)
    truth = {(r["domain"], r["indicator"]): after[(r["domain"], r["indicator"])] - before[(r["domain"], r["indicator"])]
             for r in rows}
    significant = [r for r in rows if r["significant"]]
    assert significant, "the built-in drift should be large enough to detect in some districts"
    assert all((r["diff"] > 0) == (truth[(r["domain"], r["indicator"])] > 0) for r in significant)
    large = [r for r in rows if abs(truth[(r["domain"], r["indicator"])]) > 5 * r["se"]]
    assert all(r["significant"] for r in large)


def test_settings_out_of_range_name_their_fields():
    with pytest.raises(ValidationError) as error:
        simulation.Settings(callers=0, falsifiers=3, falsifier_kind="lazy")
    assert {d["field"] for d in error.value.details} == {"callers", "falsifiers", "falsifier_kind"}


def test_only_a_drawn_round_that_is_not_closed_can_be_simulated(app, db, tmp_path):
    round_id = _round(tmp_path, "已关闭的一轮", target=30)
    lifecycle.change_status(round_id, "closed", by=make_user("coordinator", "closer"))
    with pytest.raises(InvalidState):
        simulation.simulate_round(round_id, simulation.Settings(callers=2), now=NOW)


def test_the_demo_gets_two_reported_rounds_once(app, db, monkeypatch):
    """What ``make run`` queues after loading the demo city (smaller here: the demo's rounds are 5,200 each)."""
    from survey.services.demo import load_demo

    load_demo()
    monkeypatch.setattr(simulation, "DEMO_PEOPLE", 8_000)
    monkeypatch.setattr(simulation, "DEMO_DESIGN", {**simulation.DEMO_DESIGN, "target": 150, "base": 10})

    outcomes = simulation.demo_rounds(now=NOW)

    first, second = (db.session.scalar(select(Round).where(Round.name == name)) for name, _ in simulation.DEMO_ROUNDS)
    assert [o.round_id for o in outcomes] == [first.id, second.id]
    assert first.status == second.status == "reported" and second.previous_id == first.id
    assert first.fielding_at.replace(tzinfo=UTC) < second.fielding_at.replace(tzinfo=UTC) < NOW
    assert all(db.session.scalar(select(ReportSnapshot.status).where(ReportSnapshot.round_id == r.id)) == "ready"
               for r in (first, second))
    # Round 1 is long over: its loop is mostly closed. Round 2 is recent: its loop is under way.
    assert "closed" in set(db.session.scalars(select(Issue.status).where(Issue.round_id == first.id)))
    assert "closed" not in set(db.session.scalars(select(Issue.status).where(Issue.round_id == second.id)))
    assert db.session.scalar(select(func.count()).select_from(SimulationRun)) == 2
    assert simulation.demo_rounds(now=NOW) == []  # a second call makes nothing


def test_a_demo_stopped_half_way_is_carried_on(app, db, monkeypatch):
    """``make run`` stopped during the demo's simulation: the next run finishes the rounds, doubling nothing."""
    from survey.services.demo import load_demo

    load_demo()
    monkeypatch.setattr(simulation, "DEMO_PEOPLE", 8_000)
    monkeypatch.setattr(simulation, "DEMO_DESIGN", {**simulation.DEMO_DESIGN, "target": 120, "base": 10})
    real = simulation.simulate_round

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt  # the worker is killed as the first round's fieldwork begins

    monkeypatch.setattr(simulation, "simulate_round", stopped)
    with pytest.raises(KeyboardInterrupt):
        simulation.demo_rounds(now=NOW)
    first = db.session.scalar(select(Round).where(Round.name == simulation.DEMO_ROUNDS[0][0]))
    assert first.status == "sampled"

    monkeypatch.setattr(simulation, "simulate_round", real)
    simulation.demo_rounds(now=NOW)

    names = [name for name, _ in simulation.DEMO_ROUNDS]
    assert [r.status for r in db.session.scalars(select(Round).where(Round.name.in_(names)))] == ["reported"] * 2
    assert db.session.scalar(select(func.count()).select_from(Round)) == 2
