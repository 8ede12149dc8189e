"""Verification (回访复核 / 暗访核查): selecting interviews and issues, and recording what verifiers found.

Selection is pure (``survey.quality``): this module builds its records from the database in bulk, stores
the picks with their written reasons and the run's seed, and applies outcomes — a falsified interview is
quarantined (excluded from every estimate) and its stratum gets replacement sample; a spot check that
fails reopens the issue.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select, update

from ..errors import InvalidState, NotFound, ValidationError
from ..extensions import db
from ..fieldwork import answers as answer_checks
from ..fieldwork.outcomes import OUTCOMES
from ..fieldwork.processing import SECONDS_NEEDED
from ..i18n import N_
from ..issues.workflow import Change
from ..models import (
    INTERVIEW_OUTCOMES,
    ISSUE_OUTCOMES,
    CallAttempt,
    Case,
    Department,
    FrameUnit,
    Interview,
    Issue,
    IssueCluster,
    Region,
    Stratum,
    User,
    Verification,
    VerificationRun,
)
from ..models.types import utcnow
from ..quality import records, scores, selection
from ..quality import signals as quality_signals
from . import audit, fieldwork, issues, questionnaires, retention, rounds
from .frames import vault

FALSIFIED_CODE, FALSIFIED_GROUP = "2.90", "O"  # AAPOR "other eligible non-interview": not a real interview
NEW_CALLER_COMPLETES = 100  # fewer completes than this in earlier rounds: a new caller, a higher floor
ANCHORS_MIN, ANCHORS_MAX = 3, 5
CONTACT_OUTCOMES = {code for code, (_label, _aapor, kind) in OUTCOMES.items()
                    if kind in ("refusal", "interview", "appointment") or code == "ineligible"}


# --- interviews -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Loaded:
    interviews: list[records.InterviewRecord]
    callers: list[records.CallerRecord]
    instruments: dict[int, Any]  # interview id → its questionnaire version's document


def load_records(round_id: int) -> Loaded:
    """The round's completed interviews and its callers, as the pure selection wants them."""
    rows = db.session.execute(
        select(Interview.id, Interview.caller_id, Interview.case_id, Interview.questionnaire_id, Interview.payload,
               Interview.paradata, Interview.started_at, Interview.ended_at, Interview.submitted_at,
               Interview.duration_seconds, Stratum.key, Region.code)
        .join(Case, Case.id == Interview.case_id).join(Stratum, Stratum.id == Case.stratum_id)
        .join(FrameUnit, FrameUnit.id == Case.frame_unit_id).join(Region, Region.id == FrameUnit.region_id)
        .where(Interview.round_id == round_id, Interview.status == "processed", Interview.outcome == "complete")
        .order_by(Interview.id)).all()
    dialled = set(db.session.execute(select(CallAttempt.case_id, CallAttempt.caller_id).where(
        CallAttempt.round_id == round_id, CallAttempt.outcome == "complete")).all())
    interviews, instruments, versions = [], {}, {}
    for row in rows:
        if row.questionnaire_id not in versions:  # one look-up per version, not per interview
            instrument = questionnaires.frozen(row.questionnaire_id)[0]
            versions[row.questionnaire_id] = (instrument, {q.code: q for q in instrument.questions})
        instrument, by_code = versions[row.questionnaire_id]
        instruments[row.id] = instrument
        answers = (row.payload or {}).get("answers", {})
        applicable = answer_checks.check(instrument, answers).applicable
        ratings: dict[str, str | None] = {}
        for code in applicable:
            q = by_code[code]
            if q.type == "scale" and q.indicator and answers.get(code) is not None:
                option = next((o for o in q.options if o.code == answers[code]), None)
                ratings[q.indicator] = None if option is None or option.dont_know else option.code
        ended = row.ended_at or row.submitted_at
        started = row.started_at or ended
        seconds = (row.paradata or {}).get("seconds") or {}
        interviews.append(records.InterviewRecord(
            id=row.id, caller_id=row.caller_id, stratum=row.key, district=row.code,
            started_at=started.timestamp(), ended_at=ended.timestamp(),
            needed_seconds=sum(SECONDS_NEEDED.get(by_code[c].type, 5.0) for c in applicable),
            question_seconds={k: float(v) for k, v in seconds.items() if isinstance(v, int | float)},
            ratings=ratings, asked=len(applicable),
            # Item nonresponse counts required questions only: an optional "why?" left empty is no signal.
            unanswered=sum(1 for c in applicable if by_code[c].required and answers.get(c) in (None, "", [])),
            dialled=(row.case_id, row.caller_id) in dialled))
    return Loaded(interviews, _callers(round_id), instruments)


def _callers(round_id: int) -> list[records.CallerRecord]:
    counts: dict[int, Counter] = defaultdict(Counter)
    for caller_id, outcome, n in db.session.execute(
            select(CallAttempt.caller_id, CallAttempt.outcome, func.count())
            .where(CallAttempt.round_id == round_id).group_by(CallAttempt.caller_id, CallAttempt.outcome)):
        counts[caller_id][outcome] += n
    earlier = dict(db.session.execute(
        select(Interview.caller_id, func.count()).where(Interview.round_id != round_id,
                                                        Interview.outcome == "complete")
        .group_by(Interview.caller_id)).all())
    out = []
    for caller_id, c in sorted(counts.items()):
        out.append(records.CallerRecord(
            caller_id=caller_id, new=earlier.get(caller_id, 0) < NEW_CALLER_COMPLETES,
            dials=sum(c.values()), contacts=sum(n for o, n in c.items() if o in CONTACT_OUTCOMES),
            refusals=c["refusal_before"] + c["refusal_after"], ineligible=c["ineligible"], completes=c["complete"]))
    return out


def select_interviews(round_id: int, *, by: User, seed: int, floor: float = 0.10, new_floor: float = 0.20,
                      now: datetime | None = None) -> VerificationRun:
    """Pick the round's interviews for verification calls (a random floor per caller plus risk targets)."""
    now = now or utcnow()
    rounds.get_round(round_id)
    loaded = load_records(round_id)
    try:
        picks = selection.select_interviews(loaded.interviews, loaded.callers, seed=seed, floor=floor,
                                            new_floor=new_floor)
    except ValueError as exc:
        raise ValidationError(N_("the verification settings are out of range: %(why)s"), params={"why": str(exc)},
                              details=[{"field": "floor", "message": str(exc)}]) from exc
    taken = set(db.session.scalars(select(Verification.interview_id).where(Verification.round_id == round_id,
                                                                           Verification.kind == "interview")))
    run = VerificationRun(round_id=round_id, kind="interview", seed=seed, created_at=now, created_by_id=by.id,
                          settings={"floor": floor, "new_floor": new_floor})
    db.session.add(run)
    db.session.flush()
    by_id = {r.id: r for r in loaded.interviews}
    rows = [{"round_id": round_id, "run_id": run.id, "kind": "interview", "interview_id": pick.target_id,
             "issue_id": None, "caller_id": by_id[pick.target_id].caller_id, "rule": pick.rule,
             "reasons": _reasons(pick), "risk": pick.risk, "status": "open", "reasked": {}, "evidence": "",
             "anchors": _anchors(by_id[pick.target_id], loaded.instruments[pick.target_id], seed), "created_at": now}
            for pick in picks if pick.target_id not in taken]
    if rows:
        db.session.execute(insert(Verification), rows)
    run.picked = len(rows)
    audit.record("verification.selected", actor=by, target=run, kind="interview", seed=seed, picked=run.picked)
    db.session.commit()
    return run


def _reasons(pick) -> list[dict[str, Any]]:
    return [{"template": r.template, "params": dict(r.params or {})} for r in pick.reasons]


def _anchors(record: records.InterviewRecord, instrument, seed: int) -> list[str]:
    """3–5 questions to re-ask: the screening questions (a complete passed them all), then rated indicators
    chosen at random."""
    screening = [q.code for q in instrument.questions if q.screening][:2]
    rated = [q.code for q in instrument.questions
             if q.type == "scale" and q.indicator and record.ratings.get(q.indicator) is not None]
    rng = np.random.default_rng([seed, record.id])
    wanted = max(ANCHORS_MIN - len(screening), min(ANCHORS_MAX - len(screening), 3))
    chosen = sorted(rng.choice(len(rated), size=min(wanted, len(rated)), replace=False).tolist()) if rated else []
    return screening + [rated[i] for i in chosen]


# --- issues -----------------------------------------------------------------------------------------

def select_issues(round_id: int, *, by: User, seed: int, share: float = 0.20, top_clusters: int = 5,
                  now: datetime | None = None) -> VerificationRun:
    """Pick reviewed issues for spot checks: every doubtful one, a share per department, the largest clusters."""
    now = now or utcnow()
    rounds.get_round(round_id)
    if not 0 < share <= 1:
        raise ValidationError(N_("the share of rectified issues to spot-check must be between 0 and 100%"),
                              details=[{"field": "share", "message": "between 0 and 1"}])
    sizes = dict(db.session.execute(select(IssueCluster.id, IssueCluster.size)
                                    .where(IssueCluster.round_id == round_id)).all())
    reviewed = db.session.scalars(select(Issue).where(Issue.round_id == round_id, Issue.status == "reviewed")
                                  .order_by(Issue.id)).all()
    departments = dict(db.session.execute(select(Department.id, Department.name_zh)).all())
    items = [records.IssueRecord(id=i.id, department=departments.get(i.department_id, "—"), status=i.status,
                                 doubtful_reasons=tuple(i.doubtful or ()), cluster_id=i.cluster_id,
                                 cluster_size=sizes.get(i.cluster_id, 1)) for i in reviewed]
    # Only reviewed issues (call-back done, or none possible) can go to a spot check: the table says so.
    try:
        picks = selection.select_issues(items, seed=seed, share=share, top_clusters=top_clusters,
                                        rectified=("reviewed",))
    except ValueError as exc:
        raise ValidationError(N_("the verification settings are out of range: %(why)s"), params={"why": str(exc)},
                              details=[{"field": "top_clusters", "message": str(exc)}]) from exc
    run = VerificationRun(round_id=round_id, kind="issue", seed=seed, created_at=now, created_by_id=by.id,
                          settings={"share": share, "top_clusters": top_clusters})
    db.session.add(run)
    db.session.flush()
    by_id = {i.id: i for i in reviewed}
    for pick in picks:
        issue = by_id[pick.target_id]
        issues.apply_change(issue, "spot_check", actor=None, change=Change(), now=now, system=True)
        db.session.add(Verification(round_id=round_id, run_id=run.id, kind="issue", issue_id=issue.id,
                                    rule=pick.rule, reasons=_reasons(pick), created_at=now))
        run.picked += 1
    audit.record("verification.selected", actor=by, target=run, kind="issue", seed=seed, picked=run.picked)
    db.session.commit()
    return run


# --- the verifier's work ----------------------------------------------------------------------------

def tasks(*, status: str = "open", round_id: int | None = None, kind: str | None = None,
          limit: int = 200) -> list[Verification]:
    query = select(Verification).where(Verification.status == status)
    if round_id:
        query = query.where(Verification.round_id == round_id)
    if kind:
        query = query.where(Verification.kind == kind)
    return list(db.session.scalars(query.order_by(Verification.risk.desc().nulls_last(), Verification.id)
                                   .limit(limit)))


def task(verification_id: int) -> Verification:
    found = db.session.get(Verification, verification_id)
    if found is None:
        raise NotFound(N_("no such verification task"))
    return found


def interview_of(found: Verification) -> int:
    return found.interview_id if found.kind == "interview" else db.session.get(Issue, found.issue_id).interview_id


def phone_erased(found: Verification) -> bool:
    """The respondent's number was erased after its retention period (the page says so instead of offering it)."""
    return retention.interview_phone_erased(interview_of(found))


def phone(verification_id: int, verifier: User) -> str:
    """The respondent's number in clear, for the verifier re-asking (audited)."""
    found = task(verification_id)
    if found.status != "open":
        raise InvalidState(N_("this verification is already recorded"))
    encrypted = retention.interview_phone(interview_of(found))  # Gone once erased: nothing shown, not audited
    audit.record("verification.phone_revealed", actor=verifier, target=found)
    db.session.commit()
    return vault().decrypt(encrypted)


def record(verification_id: int, verifier: User, *, outcome: str, evidence: str = "",
           reasked: dict[str, Any] | None = None, now: datetime | None = None) -> Verification:
    """What the verifier found. Falsified → quarantine and replacement sample; a failed spot check → reopen."""
    now = now or utcnow()
    found = task(verification_id)
    if found.status != "open":
        raise InvalidState(N_("this verification is already recorded"))
    allowed = INTERVIEW_OUTCOMES if found.kind == "interview" else ISSUE_OUTCOMES
    if outcome not in allowed:
        raise ValidationError(N_("choose what the verification found"),
                              details=[{"field": "outcome", "message": "one of " + ", ".join(allowed)}])
    evidence = (evidence or "").strip()
    if outcome != "confirmed" and not evidence:
        raise ValidationError(N_("describe what you found: anything but a confirmation needs evidence"),
                              details=[{"field": "evidence", "message": "required"}])
    found.outcome, found.evidence, found.verifier_id, found.done_at = outcome, evidence[:5000], verifier.id, now
    found.reasked = {k: v for k, v in (reasked or {}).items() if k in (found.anchors or [])}
    found.status = "done"
    if found.kind == "interview" and outcome == "falsified":
        _quarantine(found.interview_id, verifier, now)
    elif found.kind == "issue":
        issue = db.session.get(Issue, found.issue_id)
        if outcome == "confirmed":
            issues.apply_change(issue, "verified", actor=verifier, change=Change(evidence=evidence), now=now)
        else:
            if "spot_check_failed" not in issue.doubtful:
                issue.doubtful = [*issue.doubtful, "spot_check_failed"]
            issues.apply_change(issue, "reopened", actor=None, now=now, system=True,
                          change=Change(reason=evidence or N_("spot check: the problem is not fixed")))
    audit.record("verification.recorded", actor=verifier, target=found, outcome=outcome)
    db.session.commit()
    return found


def _quarantine(interview_id: int, verifier: User, now: datetime) -> None:
    """A falsified interview leaves every estimate; its stratum gets fresh sample in its place."""
    interview = db.session.get(Interview, interview_id)
    db.session.execute(update(Interview).where(Interview.id == interview_id).values(status="quarantined"))
    case = db.session.get(Case, interview.case_id)
    case.final_code, case.final_group, case.finalised_at = FALSIFIED_CODE, FALSIFIED_GROUP, now
    released = fieldwork.release_replacement(case.stratum_id)
    audit.record("interview.quarantined", actor=verifier, target=interview, case_id=case.id, released=released)


# --- quality per caller and department scorecards ---------------------------------------------------

RISK_THRESHOLD = 0.5  # the pure selection's default: an interview at or above it is "flagged"


@dataclass(frozen=True)
class CallerLine:
    caller_id: int
    name: str
    quality: scores.CallerQuality
    signals: dict[str, int]  # signal kind → interviews raising it


def caller_quality(round_id: int) -> list[CallerLine]:
    """Per caller: completes, risky interviews and their signals, verification outcomes, the quality score."""
    loaded = load_records(round_id)
    assessments = quality_signals.assess(loaded.interviews, loaded.callers)
    outcomes: dict[int, Counter] = defaultdict(Counter)
    for caller_id, outcome, n in db.session.execute(
            select(Verification.caller_id, Verification.outcome, func.count())
            .where(Verification.round_id == round_id, Verification.kind == "interview",
                   Verification.status == "done").group_by(Verification.caller_id, Verification.outcome)):
        outcomes[caller_id][outcome] += n
    interviews: Counter = Counter()
    flagged: Counter = Counter()
    kinds: dict[int, Counter] = defaultdict(Counter)
    for a in assessments.values():
        interviews[a.caller_id] += 1
        flagged[a.caller_id] += a.risk >= RISK_THRESHOLD
        kinds[a.caller_id].update({s.kind for s in a.signals})
    names = dict(db.session.execute(select(User.id, User.display_name)).all())
    return [CallerLine(c, names.get(c, str(c)),
                       scores.caller_quality(c, outcomes[c], interviews=interviews[c], flagged=flagged[c]),
                       dict(kinds[c].most_common()))
            for c in sorted(interviews)]


def department_scorecard(round_id: int, *, threshold: float = 0.85,
                         now: datetime | None = None) -> list[scores.DepartmentScore]:
    """Per department: on-time, call-back resolution and satisfaction, spot-check pass rates."""
    now = now or utcnow()
    names = {d.id: d for d in db.session.scalars(select(Department))}
    passed: dict[int, bool] = {}
    for issue_id, outcome in db.session.execute(
            select(Verification.issue_id, Verification.outcome).where(
                Verification.round_id == round_id, Verification.kind == "issue", Verification.status == "done")
            .order_by(Verification.id)):
        passed[issue_id] = outcome == "confirmed"  # the latest spot check counts
    rows = db.session.execute(select(Issue.id, Issue.department_id, Issue.deadline, Issue.rectified_at,
                                     Issue.callback_solved, Issue.callback_satisfied)
                              .where(Issue.round_id == round_id, Issue.department_id.is_not(None))).all()
    outcomes = [scores.IssueOutcome(department=names[r.department_id].code,
                                    deadline=r.deadline.timestamp() if r.deadline else None,
                                    rectified_at=r.rectified_at.timestamp() if r.rectified_at else None,
                                    callback_solved=r.callback_solved, callback_satisfied=r.callback_satisfied,
                                    spot_check_passed=passed.get(r.id)) for r in rows]
    return scores.department_scorecard(outcomes, as_of=now.timestamp(), threshold=threshold)


def runs(round_id: int) -> list[VerificationRun]:
    return list(db.session.scalars(select(VerificationRun).where(VerificationRun.round_id == round_id)
                                   .order_by(VerificationRun.id.desc())))


def counts(round_id: int) -> dict[tuple[str, str], int]:
    """(kind, outcome or "open") → tasks, for the round's verification summary."""
    rows = db.session.execute(select(Verification.kind, Verification.status, Verification.outcome, func.count())
                              .where(Verification.round_id == round_id)
                              .group_by(Verification.kind, Verification.status, Verification.outcome)).all()
    return {(kind, outcome if status == "done" else "open"): n for kind, status, outcome, n in rows}
