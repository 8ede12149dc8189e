"""Retention: the phone numbers of rounds closed longer ago than SURVEY_PHONE_RETENTION_DAYS are erased — never
before, never while an open round or an open task still needs them — and every figure stays the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from survey.errors import Gone, InvalidState, ValidationError
from survey.extensions import db as _db
from survey.issues.workflow import Change
from survey.models import AuditEvent, Callback, Case, FrameUnit, Interview, Issue, ReportSnapshot, Round, Verification
from survey.sampling.design import Design
from survey.services import dashboard, issues, lifecycle, reports, retention, rounds, simulation, verification

from ..conftest import make_fielding_round, make_user

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAYS = 180
DESIGN = {"strata": ["region"], "target": 60, "completion_rate": 0.35}


def simulated_round(tmp_path, name: str = "留存测试", *, people: int = 3000, seed: int = 12) -> Round:
    """A small round through the real pipeline, closed about two weeks before NOW, its loop still under way
    (open call-backs), its report built."""
    round_id = make_fielding_round(tmp_path, name, people=people, seed=seed, design=DESIGN)
    simulation.simulate_round(round_id, simulation.Settings(callers=3, falsifiers=1, seed=3,
                                                            start=NOW - timedelta(days=12)), now=NOW)
    return _db.session.get(Round, round_id)


def units_of(round_id: int) -> list[FrameUnit]:
    return list(_db.session.scalars(select(FrameUnit).join(Case, Case.frame_unit_id == FrameUnit.id)
                                    .where(Case.round_id == round_id).order_by(FrameUnit.id)))


def held_by_open_tasks(round_id: int) -> set[int]:
    callbacks = select(Case.frame_unit_id).join(Interview, Interview.case_id == Case.id).join(
        Callback, Callback.interview_id == Interview.id).where(Callback.status == "open", Case.round_id == round_id)
    checks = select(Case.frame_unit_id).join(Interview, Interview.case_id == Case.id).join(
        Verification, Verification.interview_id == Interview.id).where(Verification.status == "open",
                                                                       Case.round_id == round_id)
    return set(_db.session.scalars(callbacks)) | set(_db.session.scalars(checks))


def monitor(round_id: int) -> dict:
    """The supervisor's monitor without its clock and queue state: strata, total, callers with their AAPOR rates."""
    progress = dashboard.round_progress(round_id)
    return {key: progress[key] for key in ("strata", "total", "callers")}


def build_report(round_id: int) -> dict:
    snapshot = reports.request_snapshot(round_id, by=None, enqueue=False)
    return reports.build(snapshot.id).content


def test_numbers_are_erased_after_the_retention_period_and_not_before(app, db, tmp_path):
    round_ = simulated_round(tmp_path)
    closed = round_.closed_at
    units = units_of(round_.id)
    frame_size = _db.session.scalar(select(func.count()).select_from(FrameUnit).where(
        FrameUnit.frame_id == round_.frame_id))
    held = held_by_open_tasks(round_.id)
    assert held, "the recent loop leaves call-backs open: their numbers must wait"

    day_before = closed + timedelta(days=DAYS) - timedelta(minutes=1)
    assert retention.plan(now=day_before).numbers == 0
    assert retention.erase(now=day_before).numbers == 0
    assert all(u.phone_enc is not None for u in units_of(round_.id))
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "phones.erased")) == 0  # nothing erased by the schedule: nothing to record

    after = closed + timedelta(days=DAYS, minutes=1)
    dry = retention.plan(now=after)
    assert dry.numbers == len(units) - len(held) and dry.kept_for_open_task == len(held)
    assert [(r.id, r.numbers) for r in dry.rounds] == [(round_.id, len(units) - len(held))]
    done = retention.erase(now=after)
    assert done.numbers == dry.numbers

    _db.session.expire_all()
    for unit in units_of(round_.id):
        if unit.id in held:
            assert unit.phone_enc is not None and unit.erased_at is None
        else:
            assert (unit.phone_enc, unit.phone_hash, unit.extra) == (None, None, None)
            assert unit.erased_at == after
    # Units never drawn are the frame's own data: kept.
    assert _db.session.scalar(select(func.count()).select_from(FrameUnit).where(
        FrameUnit.frame_id == round_.frame_id, FrameUnit.erased_at.is_(None))) == frame_size - done.numbers
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phones.erased"))
    assert event.actor == "system" and event.details["numbers"] == done.numbers
    assert event.details["rounds"] == [{"id": round_.id, "name": round_.name, "numbers": done.numbers}]
    assert event.details["days"] == DAYS

    # The open call-backs are done (the respondent was not reached): the next run erases their numbers too.
    caller = make_user("caller")
    for callback in _db.session.scalars(select(Callback).where(Callback.status == "open")).all():
        issues.record_callback(callback.id, caller, solved=None, satisfied=None, unreachable=True, now=after)
    assert retention.erase(now=after + timedelta(hours=1)).numbers == len(held)
    assert all(u.phone_enc is None for u in units_of(round_.id))
    assert retention.erase(now=after + timedelta(hours=2)).numbers == 0  # nothing left: idempotent


def test_a_unit_shared_with_an_open_round_keeps_its_number(app, db, tmp_path):
    old = simulated_round(tmp_path, people=600)
    coordinator = make_user("coordinator")
    new = rounds.copy_round(old.id, "同一抽样框的新一轮", by=coordinator)
    rounds.draw(new.id, seed=99)  # sampled: an open round drawing from the same (small) frame
    shared = {u.id for u in units_of(old.id)} & {u.id for u in units_of(new.id)}
    assert shared, "a small frame: the two samples overlap"

    retention.erase(now=old.closed_at + timedelta(days=DAYS + 1))

    _db.session.expire_all()
    for unit in units_of(old.id):
        if unit.id in shared:
            assert unit.phone_enc is not None, "the open round still calls this number"
    assert all(u.phone_enc is not None for u in units_of(new.id))
    assert any(u.phone_enc is None for u in units_of(old.id))
    dry = retention.plan(now=old.closed_at + timedelta(days=DAYS + 1))
    assert (dry.numbers, dry.kept_for_open_round) == (0, len(shared))


def test_report_snapshot_and_every_figure_are_the_same_after_erasure(app, db, tmp_path):
    round_ = simulated_round(tmp_path)
    before = {"report": build_report(round_.id), "monitor": monitor(round_.id),
              "rates": reports.response_rates(round_.id), "quality": verification.caller_quality(round_.id),
              "scorecard": verification.department_scorecard(round_.id)}
    old_snapshot = reports.latest(round_.id).id

    erased = retention.erase(now=round_.closed_at + timedelta(days=DAYS + 1)).numbers
    assert erased > 0

    after = {"report": build_report(round_.id), "monitor": monitor(round_.id),
             "rates": reports.response_rates(round_.id), "quality": verification.caller_quality(round_.id),
             "scorecard": verification.department_scorecard(round_.id)}
    assert after == before
    assert _db.session.get(ReportSnapshot, old_snapshot).content == before["report"]  # stored figures untouched
    assert before["report"]["sample"] and before["report"]["response"]


def test_the_loop_goes_on_after_erasure_and_erased_numbers_are_said_so(app, db, tmp_path):
    round_ = simulated_round(tmp_path)
    erase_at = round_.closed_at + timedelta(days=DAYS + 1)
    retention.erase(now=erase_at)
    # An issue of the round is reopened and rectified again: its call-back is due, but the number is gone.
    issue = _db.session.scalar(
        select(Issue).join(Interview, Interview.id == Issue.interview_id).join(Case, Case.id == Interview.case_id)
        .join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
        .where(Issue.round_id == round_.id, Issue.recontact.is_(True), Issue.status == "reviewed",
               FrameUnit.erased_at.is_not(None)).order_by(Issue.id))
    coordinator = make_user("coordinator")
    department = make_user("department", department=_department_code(issue.department_id))
    issues.move(issue.id, "reopened", by=coordinator, change=Change(reason="复查发现仍未解决"))
    issues.move(issue.id, "rectified", by=department, change=Change(evidence="已再次整改"))
    callback = _db.session.scalar(select(Callback).where(Callback.issue_id == issue.id, Callback.status == "open"))
    assert callback is not None
    caller = make_user("caller")
    assert issues.callback_phone(callback.id, caller) is None  # masked view: nothing to mask
    with pytest.raises(Gone):
        issues.callback_phone(callback.id, caller, masked=False)
    assert not _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "callback.phone_revealed",
                                                           AuditEvent.target_id == str(callback.id)))
    issues.record_callback(callback.id, caller, solved=None, satisfied=None, unreachable=True)
    assert _db.session.get(Issue, issue.id).status == "reviewed"
    # A verification task chosen after the erasure: it says so, and it can still be recorded.
    task = _db.session.scalar(
        select(Verification).join(Interview, Interview.id == Verification.interview_id)
        .join(Case, Case.id == Interview.case_id).join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
        .where(Verification.round_id == round_.id, FrameUnit.erased_at.is_not(None)).order_by(Verification.id))
    task.status, task.outcome = "open", None
    _db.session.commit()
    assert verification.phone_erased(task)
    with pytest.raises(Gone):
        verification.phone(task.id, make_user("verifier"))
    verification.record(task.id, make_user("verifier"), outcome="unreachable", evidence="号码已过保存期限删除")


def _department_code(department_id: int) -> str:
    from survey.models import Department

    return _db.session.get(Department, department_id).code


def test_erased_numbers_are_never_drawn_and_recent_round_exclusion_still_works(app, db, tmp_path):
    old = simulated_round(tmp_path, people=1500)
    retention.erase(now=old.closed_at + timedelta(days=DAYS + 1))
    erased = _db.session.scalar(select(func.count()).select_from(FrameUnit).where(FrameUnit.erased_at.is_not(None)))
    kept_in_old = _db.session.scalar(select(func.count()).select_from(FrameUnit).join(Case).where(
        Case.round_id == old.id, FrameUnit.erased_at.is_(None)))
    # The erased units have no digest: "exclude numbers called in the last round" must not turn into "exclude
    # everything" (NOT IN over a list holding NULL matches nothing).
    design = Design.from_dict({**DESIGN, "exclude_recent_rounds": 1})
    preview = rounds.preview(old.frame_id, design)
    assert preview.erased == erased and preview.excluded == kept_in_old
    assert sum(s.population for s in preview.plan.strata) == 1500 - erased - kept_in_old - preview.missing
    new = rounds.create_round("排除上一轮", old.frame_id, {**DESIGN, "exclude_recent_rounds": 1},
                              by=make_user("coordinator"), questionnaire_id=old.questionnaire_id)
    rounds.draw(new.id, seed=5)
    drawn = units_of(new.id)
    assert drawn and all(u.erased_at is None for u in drawn)
    assert not {u.id for u in drawn} & {u.id for u in units_of(old.id)}


def test_a_round_whose_numbers_were_erased_cannot_be_fielded_again(app, db, tmp_path):
    round_ = simulated_round(tmp_path)
    retention.erase(now=round_.closed_at + timedelta(days=DAYS + 1))
    with pytest.raises(InvalidState, match="erased"):
        lifecycle.change_status(round_.id, "fielding", by=make_user("coordinator"), reason="补充调查")


def test_an_export_with_numbers_says_erased(app, db, tmp_path):
    round_ = simulated_round(tmp_path)
    retention.erase(now=round_.closed_at + timedelta(days=DAYS + 1))
    lines = rounds.export_csv(round_, with_phones=True, by=make_user("coordinator"), erased="已删除").splitlines()
    phones = [line.rsplit(",", 1)[1] for line in lines[1:]]
    assert "已删除" in phones and all(p == "已删除" or p.isdigit() for p in phones)


@pytest.mark.parametrize("value", ["abc", 0, -3, "1.5", 10**9, True, None])
def test_a_bad_retention_setting_is_refused_naming_it(app, db, value, monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_RETENTION_DAYS", value)
    with pytest.raises(ValidationError) as error:
        retention.plan()
    assert "SURVEY_PHONE_RETENTION_DAYS" in error.value.message
    assert error.value.details[0]["field"] == "PHONE_RETENTION_DAYS"


def test_the_setting_may_come_from_the_environment_as_text(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_RETENTION_DAYS", "90")
    assert retention.plan(now=NOW).days == 90
