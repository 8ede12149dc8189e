"""A simulated round through the real pipeline: a rehearsal before fielding, the demo's rounds, a load test.

Stages, each timed (:class:`Outcome` ``stages``):

1. **prepare** — the round put in the field if it is only sampled; simulated staff (users ``sim-…``: callers,
   a liaison per department, a verifier) created once and reused; the round's population
   (:mod:`survey.simulation.population`) in its wave (1 + rounds before it in its copy chain: the built-in
   drift between rounds).
2. **fieldwork** — a simulated clock from ``start``: each caller takes the next case as ``claim_next`` would
   (due call-backs and retries first, then fresh numbers in drawn order; only inside the round's calling
   windows), the person behind the number answers as the population model says, and every attempt goes
   through the services a caller's screen uses: ``record_call`` (AAPOR interim and final codes, retry delays,
   appointments, the attempts cap) and ``store_interview`` (the answer checks, the disposition). Falsifiers fake
   interviews as :mod:`survey.simulation.callers` describes. Committed in batches; each batch of stored
   interviews is queued at once to the RQ workers (``workers.interviews.process_many``), which score them, file
   their complaints as issues and raise quality signals while the fieldwork goes on. Numbers are released
   replicate by replicate by the same rule as live fieldwork. Stops when every stratum has its completes,
   nothing is left to call, or after ``max_days``.
3. **processing** — waits until the workers have processed every interview (a worker that is this process —
   the simulation running as a job with no other worker — processes the batches itself, the same function).
4. **quality** — the verification selection of interviews (the random floor per caller and the risky ones).
5. **follow-up** — simulated staff work the issue loop and the verification tasks on a timeline after each
   interview (assign, rectify with department-specific speed, call back, spot-check, close; verifiers find the
   falsified interviews). Events later than the real "now" have not happened yet, so a recent round stays open.
6. **report** — the round closed and its report snapshot built.
"""

from __future__ import annotations

import heapq
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from redis.exceptions import RedisError
from sqlalchemy import func, insert, select

from .. import queue
from ..errors import InvalidState, NotFound, ValidationError
from ..extensions import db
from ..fieldwork.rules import LOCAL
from ..i18n import N_
from ..issues.workflow import Change
from ..models import (
    Answer,
    Callback,
    Case,
    Department,
    FrameUnit,
    Interview,
    Issue,
    Region,
    Round,
    SimulationRun,
    User,
    Verification,
)
from ..models.types import utcnow
from ..simulation.callers import NOTES, RING, TALK, Caller, CallerAtWork
from ..simulation.population import DONT_KNOW, Population, Respondent
from . import (
    accounts,
    audit,
    design_evaluation,
    fieldwork,
    interviews,
    issues,
    lifecycle,
    questionnaires,
    reports,
    verification,
)

Progress = Callable[[int, int, str], None]
BATCH = 500  # interviews per commit and per processing job (the bulk path's sweet spot, issue 8)
MAX_DAYS = 60  # simulated days before the fieldwork gives up on strata that cannot reach their targets
SIM_PREFIX = "sim-"
# Population outcome → the caller's outcome keys (a few kinds of "no answer" and of bad numbers).
NO_ANSWER_KINDS = (("no_answer", 0.70), ("busy", 0.10), ("phone_off", 0.20))
BAD_NUMBER_KINDS = (("invalid", 0.85), ("business", 0.10), ("fax", 0.05))
REFUSAL_KINDS = (("refusal_before", 0.75), ("refusal_after", 0.25))
RECONTACT_YES = 0.7  # a respondent with a complaint agrees to be called back about it
FOLLOW_UP_DAYS = 25  # the issue loop's timeline after the last interview; a default start leaves room for it


@dataclass(frozen=True)
class Settings:
    callers: int = 30
    falsifiers: int = 0
    falsifier_kind: str = "subtle"  # "subtle" | "blatant"
    seed: int = 1
    wave: int | None = None  # the population's round (drift); default: 1 + rounds before it in its copy chain
    start: datetime | None = None  # simulated fieldwork start; default leaves time for the follow-up before now
    follow_up: bool = True
    report: bool = True
    max_days: int = MAX_DAYS

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.callers <= 500:
            problems.append(("callers", "between 1 and 500"))
        if not 0 <= self.falsifiers <= self.callers:
            problems.append(("falsifiers", "between 0 and the number of callers"))
        if self.falsifier_kind not in ("subtle", "blatant"):
            problems.append(("falsifier_kind", "subtle or blatant"))
        if self.wave is not None and not 1 <= self.wave <= 50:
            problems.append(("wave", "between 1 and 50"))
        if not 1 <= self.max_days <= 365:
            problems.append(("max_days", "between 1 and 365"))
        if problems:
            raise ValidationError(N_("the simulation settings are out of range: %(fields)s"),
                                  params={"fields": ", ".join(f for f, _ in problems)},
                                  details=[{"field": f, "message": m} for f, m in problems])

    def to_dict(self) -> dict[str, Any]:
        return {"callers": self.callers, "falsifiers": self.falsifiers, "falsifier_kind": self.falsifier_kind,
                "seed": self.seed, "wave": self.wave, "start": self.start.isoformat() if self.start else None,
                "follow_up": self.follow_up, "report": self.report, "max_days": self.max_days}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        start = data.get("start")
        return cls(**{**data, "start": datetime.fromisoformat(start) if start else None})


@dataclass
class Outcome:
    round_id: int
    stages: dict[str, float] = field(default_factory=dict)  # stage → seconds
    counts: dict[str, int] = field(default_factory=dict)
    falsifiers: list[str] = field(default_factory=list)
    snapshot_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"round_id": self.round_id, "stages": self.stages, "counts": self.counts,
                "falsifiers": self.falsifiers, "snapshot_id": self.snapshot_id}


# --- starting a run from a page or the command line -------------------------------------------------

def request(round_id: int, settings: Settings, *, by: User | None) -> SimulationRun:
    """Queue a simulation of the round (the page follows the job's progress)."""
    round_ = _simulatable(round_id)
    running = db.session.scalar(select(SimulationRun).where(SimulationRun.round_id == round_.id,
                                                            SimulationRun.kind == "fieldwork",
                                                            SimulationRun.status.in_(("queued", "running"))))
    if running is not None:
        return running
    run = SimulationRun(round_id=round_.id, kind="fieldwork", settings=settings.to_dict(),
                        created_by_id=by.id if by else None)
    db.session.add(run)
    db.session.flush()
    run.job_id = f"simulate-{run.id}"
    db.session.commit()
    if queue.enqueue("workers.simulation.simulate", run.id, job_id=run.job_id, retry=None, timeout=3600,
                     description=f"模拟实施 Simulate the fieldwork: {round_.name}") is None:
        _finish(run, "failed", message="the job queue is not reachable")
    return run


def run_job(run_id: int, *, progress: Progress | None = None) -> dict[str, Any]:
    """The job's body: simulate the run's round with its settings and store the stage times."""
    run = db.session.get(SimulationRun, run_id)
    if run is None:
        raise NotFound(N_("no such simulation"))
    run.status = "running"
    db.session.commit()
    try:
        outcome = simulate_round(run.round_id, Settings.from_dict(run.settings), progress=progress)
    except Exception as exc:
        db.session.rollback()
        _finish(db.session.get(SimulationRun, run_id), "failed", message=f"{type(exc).__name__}: {exc}")
        raise
    run = db.session.get(SimulationRun, run_id)
    _finish(run, "done", result=outcome.to_dict())
    return outcome.to_dict()


def _finish(run: SimulationRun, status: str, *, message: str = "", result: dict[str, Any] | None = None) -> None:
    run.status, run.message, run.finished_at = status, message[:500], utcnow()
    if result is not None:
        run.result = result
    db.session.commit()


def latest(round_id: int) -> SimulationRun | None:
    return db.session.scalar(select(SimulationRun).where(SimulationRun.round_id == round_id,
                                                         SimulationRun.kind == "fieldwork")
                             .order_by(SimulationRun.id.desc()).limit(1))


def _simulatable(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(N_("no such round"))
    if round_.status not in ("sampled", "fielding"):
        raise InvalidState(N_("only a round with a drawn sample that is not closed can be simulated "
                              "(round %(name)s is %(status)s)"), params={"name": round_.name, "status": round_.status})
    return round_


# --- the population and the staff --------------------------------------------------------------------

def wave_of(round_: Round) -> int:
    """1 + the rounds this one was copied from, one after another."""
    wave, seen = 1, {round_.id}
    while round_.previous_id and round_.previous_id not in seen:
        round_ = db.session.get(Round, round_.previous_id)
        seen.add(round_.id)
        wave += 1
    return wave


_UNUSABLE: list[str] = []


def _staff(username: str, role: str, display_name: str, department_code: str | None = None) -> User:
    """A simulated member of staff, created once. Its password is random and thrown away (one hash per
    process: scrypt takes 0.1 s): these accounts only ever act in simulations, nobody logs in as them."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        if not _UNUSABLE:
            _UNUSABLE.append(accounts.hash_password(secrets.token_urlsafe(32)))
        department = db.session.scalar(select(Department).where(Department.code == department_code)) \
            if department_code else None
        user = User(username=username, display_name=display_name[:100], role=role, department=department,
                    password_hash=_UNUSABLE[0])
        db.session.add(user)
        db.session.flush()
        audit.record("user.created", actor=None, target=user, role=role, department=department_code,
                     simulated=True)
    return user


def simulated_callers(n: int) -> list[User]:
    return [_staff(f"{SIM_PREFIX}caller-{i:02d}", "caller", f"模拟访员{i:02d}") for i in range(1, n + 1)]


def _coordinator(round_: Round) -> User:
    user = db.session.get(User, round_.created_by_id) if round_.created_by_id else None
    if user is None or user.role != "coordinator":
        user = db.session.scalar(select(User).where(User.role == "coordinator", User.active).order_by(User.id))
    return user or _staff(f"{SIM_PREFIX}coordinator", "coordinator", "模拟协调员")


# --- the whole run -----------------------------------------------------------------------------------

def simulate_round(round_id: int, settings: Settings, *, progress: Progress | None = None,
                   now: datetime | None = None) -> Outcome:
    report = progress or (lambda done, total, message="": None)
    now = now or utcnow()
    outcome = Outcome(round_id)
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        outcome.stages[name] = round(time.perf_counter() - clock, 2)
        clock = time.perf_counter()

    round_ = _simulatable(round_id)
    coordinator = _coordinator(round_)
    if round_.status == "sampled":
        lifecycle.move(round_, "fielding", by=coordinator)
    wave = settings.wave or wave_of(round_)
    population = design_evaluation.population_for(round_, seed=settings.seed).drift(wave)
    users = simulated_callers(settings.callers)
    rng = np.random.default_rng([settings.seed, round_.id, 11])
    cheats = set(rng.choice(len(users), size=settings.falsifiers, replace=False).tolist()) if settings.falsifiers \
        else set()
    team = [(user, Caller(user.id, speed=float(rng.uniform(1.2, 1.8)), dk_tendency=float(rng.uniform(0.7, 1.3)),
                          falsifier=settings.falsifier_kind if i in cheats else None))
            for i, user in enumerate(users)]
    outcome.falsifiers = sorted(users[i].username for i in cheats)
    start = settings.start or _default_start(round_, population, settings.callers, now)
    audit.record("round.simulated", actor=coordinator, target=round_, settings=settings.to_dict(), wave=wave,
                 falsifiers=outcome.falsifiers)
    db.session.commit()
    stage("prepare")

    session = db.session()
    keep = session.expire_on_commit
    # The simulator alone moves this round's cases and issues: its objects stay true from one commit to the next,
    # and reloading tens of thousands of them after every commit would be most of the run's time.
    session.expire_on_commit = False
    try:
        return _simulate(round_, coordinator, team, population, settings, start, outcome, stage, report, now)
    finally:
        session.expire_on_commit = keep


def _simulate(round_: Round, coordinator: User, team: list[tuple[User, Caller]], population: Population,
              settings: Settings, start: datetime, outcome: Outcome, stage: Callable[[str], None], report: Progress,
              now: datetime) -> Outcome:
    round_id, session = round_.id, db.session()
    field_ = _Fieldwork(round_, population, team, np.random.default_rng([settings.seed, round_id, 12]), start,
                        min(now, start + timedelta(days=settings.max_days)))
    report(0, 100, "fieldwork")
    field_.run(lambda done, total: report(int(60 * done / max(total, 1)), 100,
                                          f"fieldwork: {done:,} / {total:,} completes"))
    coordinator_id, caller_ids = coordinator.id, [user.id for user, _ in team]
    session.expunge_all()  # forty thousand cases need not be looked at by every commit after this
    round_, coordinator = db.session.get(Round, round_id), db.session.get(User, coordinator_id)
    team = [(db.session.get(User, user_id), caller) for user_id, (_, caller) in zip(caller_ids, team, strict=True)]
    outcome.counts.update(dials=field_.dials, interviews=len(field_.stored), completes=field_.completes)
    stage("fieldwork")

    field_.wait_processed(lambda done, total: report(60 + int(15 * done / max(total, 1)), 100,
                                                     f"processing: {done:,} / {total:,}"))
    stage("processing")

    report(76, 100, "verification selection")
    selected_at = field_.ended_at + timedelta(hours=12)
    if selected_at <= now:
        run = verification.select_interviews(round_.id, by=coordinator, seed=settings.seed, now=selected_at)
        outcome.counts["verification_picks"] = run.picked
    stage("quality")

    if settings.follow_up:
        report(80, 100, "follow-up: issues and spot checks")
        outcome.counts.update(_FollowUp(round_, coordinator, team, field_.fake,
                                        np.random.default_rng([settings.seed, round_id, 13]), now).run())
    stage("follow-up")

    if settings.report:
        report(92, 100, "report")
        round_ = db.session.get(Round, round_id)
        if round_.status == "fielding" and field_.ended_at <= now:
            lifecycle.move(round_, "closed", by=coordinator)
            # A simulated round's dates are those of its simulated fieldwork (the history keeps the real ones).
            round_.fielding_at, round_.closed_at = field_.started_at, field_.ended_at
            db.session.commit()
        snapshot = reports.request_snapshot(round_.id, by=coordinator, enqueue=False)
        reports.build(snapshot.id)
        outcome.snapshot_id = snapshot.id
        stage("report")
    outcome.counts["issues"] = db.session.scalar(select(func.count()).select_from(Issue)
                                                 .where(Issue.round_id == round_id))
    report(100, 100, "done")
    return outcome


def _default_start(round_: Round, population: Population, callers: int, now: datetime) -> datetime:
    """Early enough that the fieldwork and the follow-up after it are over by now (local midnight)."""
    from ..simulation.evaluation import complete_minutes, complete_probability, noncomplete_dial_minutes

    target = sum(s.target for s in round_.strata)
    p = float(np.mean(complete_probability(population)))
    minutes = target * (float(np.mean(complete_minutes(population))) + (1 / p - 1) * noncomplete_dial_minutes())
    rules = fieldwork.rules_for(round_)
    window_hours = sum(_hours(end) - _hours(begin) for begin, end in rules.windows) or 24.0
    days = int(np.ceil(minutes / 60 / callers / window_hours * 1.3)) + 1
    local = (now - timedelta(days=days + FOLLOW_UP_DAYS)).astimezone(LOCAL)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _hours(clock: str) -> float:
    hours, minutes = clock.split(":")
    return int(hours) + int(minutes) / 60


# --- fieldwork -----------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, kinds: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*kinds, strict=True)
    return names[int(np.searchsorted(np.cumsum(weights), rng.random() * sum(weights), side="right"))]


def _at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


class _Fieldwork:
    """The simulated clock, the case queue as ``claim_next`` orders it, and the batches written."""

    def __init__(self, round_: Round, population: Population, team: list[tuple[User, Caller]],
                 rng: np.random.Generator, start: datetime, until: datetime) -> None:
        self.round, self.population, self.rng = round_, population, rng
        self.rules = fieldwork.rules_for(round_)
        self.frozen = questionnaires.frozen(round_.questionnaire_id)
        self.instrument = self.frozen[0]
        self.team = team
        self.works = [CallerAtWork(caller, population, np.random.default_rng([int(rng.integers(2**32)), caller.id]),
                                   start.timestamp(), 1) for _, caller in team]
        self.until = until.timestamp()
        self.started_at = self.ended_at = start
        self.targets = {s.id: s.target for s in round_.strata}
        self.total_target = sum(self.targets.values())
        self.dials = self.completes = 0
        self.stored: list[int] = []  # interview ids, in order
        self.fake: set[int] = set()  # interviews a falsifier made up (what a verifier would find)
        self.pending: list[Interview] = []
        self.pending_fake: list[Interview] = []
        self.answer_rows: list[tuple[Interview, dict[str, Any]]] = []
        self.inline = not _other_workers()
        code_of = dict(db.session.execute(select(Region.id, Region.code)).all())
        rows = db.session.execute(select(Case, FrameUnit.region_id, FrameUnit.urban, FrameUnit.age_band,
                                         FrameUnit.age).join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
                                  .where(Case.round_id == round_.id).order_by(Case.id)).all()
        self.cases: dict[int, Case] = {}
        self.person: dict[int, tuple[Respondent, int]] = {}
        self.by_stratum: dict[int, list[Case]] = defaultdict(list)
        self.open: dict[int, int] = defaultdict(int)  # released, unfinished numbers per stratum
        self.done: dict[int, int] = defaultdict(int)  # completes per stratum
        self.fresh: list[int] = []  # heap of case ids never called
        self.waiting: list[tuple[float, int]] = []  # heap of (next call, case id)
        self.queued: set[int] = set()
        for case, region_id, urban, band, age in rows:
            self.cases[case.id] = case
            self.by_stratum[case.stratum_id].append(case)
            district = code_of.get(region_id)
            if district not in population.districts:
                raise InvalidState(N_("the frame has numbers in %(region)s, which has no census figures to "
                                      "simulate from"), params={"region": district})
            self.person[case.id] = (Respondent(district, bool(urban if urban is not None else True),
                                               band or "30-44"), int(age or 40))
            if case.final_group == "I":
                self.done[case.stratum_id] += 1
            if case.released and case.final_code is None:
                self.open[case.stratum_id] += 1
                self._queue(case)

    # the case queue
    def _queue(self, case: Case) -> None:
        if case.id in self.queued or case.final_code is not None or not case.released \
                or case.attempts >= self.rules.max_attempts:
            return
        self.queued.add(case.id)
        if case.next_call_at is None:
            heapq.heappush(self.fresh, case.id)
        else:
            heapq.heappush(self.waiting, (fieldwork._aware(case.next_call_at).timestamp(), case.id))

    def _next_case(self, t: float) -> Case | None:
        """Due call-backs and retries first, then fresh numbers in drawn order (inside a window) — as
        ``claim_next`` — skipping strata that have their completes: supervisors close a full quota."""
        while True:
            if self.waiting and self.waiting[0][0] <= t:
                case_id = heapq.heappop(self.waiting)[1]
            elif self.fresh and self.rules.in_window(_at(t)):
                case_id = heapq.heappop(self.fresh)
            else:
                return None
            self.queued.discard(case_id)
            case = self.cases[case_id]
            if self.done[case.stratum_id] < self.targets[case.stratum_id]:
                return case

    def _reached(self) -> bool:
        return all(self.done[s] >= target for s, target in self.targets.items())

    # the clock
    def run(self, progress: Callable[[int, int], None]) -> None:
        callers = [(self.started_at.timestamp(), i) for i in range(len(self.team))]
        heapq.heapify(callers)
        while callers and not self._reached():
            t, i = heapq.heappop(callers)
            if t > self.until:
                break
            moment = _at(t)
            if not self.rules.in_window(moment) and not (self.waiting and self.waiting[0][0] <= t):
                heapq.heappush(callers, (self.rules.next_opening(moment).timestamp(), i))
                continue
            case = self._next_case(t)
            if case is None:  # wait for the next retry to fall due, or for a call under way that may bring one
                due = [self.waiting[0][0]] if self.waiting else []
                later = [x for x in [*(w for w, _ in callers), *due] if x > t]
                if later:
                    heapq.heappush(callers, (max(t + 60.0, min(later)), i))
                continue  # else nothing is left to call and nobody can bring more: this caller is done
            ended = self._dial(case, i, t)
            self.ended_at = max(self.ended_at, _at(ended))
            heapq.heappush(callers, (ended + float(self.rng.uniform(*NOTES)), i))
            if len(self.pending) >= BATCH:
                self._commit()
                progress(self.completes, self.total_target)
        self._commit()
        progress(self.completes, self.total_target)

    # one dial
    def _dial(self, case: Case, i: int, t: float) -> float:
        user, caller = self.team[i]
        work = self.works[i]
        person, age = self.person[case.id]
        self.dials += 1
        ring = float(self.rng.uniform(*RING))
        if caller.falsifier == "blatant":
            record = work.typed_in(person, t + ring, dialled=True)
            return self._interview(case, user, record, work, age, fake=True)
        shares = dict(self.population.outcome_probabilities(person))
        if case.attempts:  # a number that rang before is not a bad number now
            shares.pop("invalid")
        drawn = _pick(self.rng, tuple(shares.items()))
        fake = caller.falsifier == "subtle" and (drawn == "complete"
                                                 or (drawn == "refusal" and self.rng.random() < 0.5))
        if drawn == "complete" or fake:
            record = work.interview(person, t + ring, fake=fake)
            return self._interview(case, user, record, work, age, fake=fake)
        if drawn == "break_off":
            record = work.interview(person, t + ring, fake=False)
            return self._interview(case, user, record, work, age, fake=False, break_off=True)
        ended = t + ring + float(self.rng.uniform(*TALK[drawn]))
        kind = {"no_answer": NO_ANSWER_KINDS, "invalid": BAD_NUMBER_KINDS, "refusal": REFUSAL_KINDS}.get(drawn)
        outcome = _pick(self.rng, kind) if kind else drawn
        appointment_at = None
        if outcome == "appointment":
            appointment_at = self.rules.next_opening(_at(ended + float(self.rng.uniform(3_600, 2 * 86_400))))
        fieldwork.record_call(case, user, outcome, _at(ended), appointment_at=appointment_at,
                              screened_eligible=outcome == "refusal_after", release=False)
        self._after(case)
        return ended

    def _interview(self, case: Case, user: User, record, work: CallerAtWork, age: int, *, fake: bool,
                   break_off: bool = False) -> float:
        said = [c for c in work.complaints if c.interview_id == record.id]
        answers, seconds = self._answers(record, said, age)
        ended = record.ended_at
        if break_off:  # the respondent hangs up part-way through the ratings
            scale = [q.code for q in self.instrument.questions if q.type == "scale"]
            keep = set(scale[:int(self.rng.integers(1, len(scale)))])
            answers = {k: v for k, v in answers.items() if k in keep or self.instrument.question(k).screening}
            ended = record.started_at + (record.ended_at - record.started_at) * len(keep) / max(len(scale), 1)
        payload = {"answers": answers, "outcome": "breakoff" if break_off else "complete",
                   "paradata": {"started_at": _at(record.started_at).isoformat(), "ended_at": _at(ended).isoformat(),
                                "seconds": {k: round(v, 1) for k, v in seconds.items() if k in answers}}}
        key = f"sim-{case.round_id}-{case.id}-{case.attempts + 1}"
        interview = fieldwork.store_interview(case, user, payload, key, _at(ended), release=False,
                                             frozen=self.frozen, answer_rows=self.answer_rows)
        self.pending.append(interview)
        if fake:
            self.pending_fake.append(interview)
        if case.final_group == "I":
            self.completes += 1
            self.done[case.stratum_id] += 1
        self._after(case)
        return ended

    def _answers(self, record, said, age: int) -> tuple[dict[str, Any], dict[str, float]]:
        """The payload a caller's screen would send for this interview record."""
        by_indicator = {c.indicator: c.text for c in said if c.indicator}
        closing = next((c.text for c in said if c.indicator is None), None)
        answers: dict[str, Any] = {}
        seconds: dict[str, float] = {}
        scale_of: dict[str, str] = {}  # question code → indicator
        for q in self.instrument.questions:
            spent = record.question_seconds.get(q.indicator if q.type == "scale" and q.indicator else q.code)
            value: Any = None
            if q.screening and q.type == "number":
                value = age
            elif q.screening and q.type == "single":
                value = next(o.code for o in q.options if not o.ineligible)
            elif q.type == "scale" and q.indicator:
                scale_of[q.code] = q.indicator
                if q.indicator in record.ratings:
                    rating = record.ratings[q.indicator]
                    value = rating if rating is not None else next(
                        (o.code for o in q.options if o.dont_know), DONT_KNOW)
            elif q.type == "text" and q.condition is not None:
                value = by_indicator.get(scale_of.get(q.condition.question, ""))
            elif q.type == "text":
                value = closing
                closing = None
            elif q.type == "single" and q.options:
                value = q.options[0].code if said and self.rng.random() < RECONTACT_YES else q.options[-1].code
                spent = spent or 4.0
            elif q.required and q.type == "multiple" and q.options:
                value = [q.options[0].code]
            elif q.required and q.type == "number":
                value = q.min_value or 0
            if value is not None:
                answers[q.code] = value
                if spent is not None:
                    seconds[q.code] = spent
        return answers, seconds

    def _after(self, case: Case) -> None:
        if case.final_code is not None:
            self.open[case.stratum_id] -= 1
            if self.open[case.stratum_id] <= 0 and fieldwork.release_if_run_out(case.stratum_id):
                for other in self.by_stratum[case.stratum_id]:
                    if other.released and other.final_code is None and other.id not in self.queued:
                        self.open[case.stratum_id] += 1
                        self._queue(other)
        else:
            self._queue(case)

    # batches
    def _commit(self) -> None:
        if not self.pending and not db.session.new and not db.session.dirty:
            return
        db.session.flush()  # the interviews get their ids; their answers go in with one statement per shape
        if self.answer_rows:
            db.session.execute(insert(Answer), [{"interview_id": interview.id, **row}
                                                for interview, row in self.answer_rows])
            self.answer_rows = []
        db.session.commit()
        ids = [interview.id for interview in self.pending]
        self.fake.update(interview.id for interview in self.pending_fake)
        self.pending, self.pending_fake = [], []
        if not ids:
            return
        self.stored += ids
        if self.inline:
            interviews.process_many(ids)
        else:
            job_id = queue.enqueue("workers.interviews.process_many", ids, job_id=f"process-{ids[0]}-{ids[-1]}",
                                   description=f"Process interviews {ids[0]}–{ids[-1]} (simulation)")
            if job_id is None:  # Redis went away: the interviews are stored; the sweeper queues them later
                self.inline = True
                interviews.process_many(ids)

    def wait_processed(self, progress: Callable[[int, int], None], timeout: float = 600) -> None:
        total = len(self.stored)
        deadline = time.monotonic() + timeout
        while True:
            waiting = db.session.scalar(select(func.count()).select_from(Interview).where(
                Interview.round_id == self.round.id, Interview.status == "received"))
            db.session.commit()  # at once: on SQLite a job's transaction holds the write lock the workers need
            progress(total - waiting, total)
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise InvalidState(N_("%(n)d interviews were not processed in time: are the workers running?"),
                                   params={"n": waiting})
            if not _other_workers():  # the workers went away: finish the work here, by the same function
                left = db.session.scalars(select(Interview.id).where(Interview.round_id == self.round.id,
                                                                     Interview.status == "received")).all()
                for start in range(0, len(left), BATCH):
                    interviews.process_many(left[start:start + BATCH])
                continue
            time.sleep(0.3)


def _other_workers() -> bool:
    """An RQ worker other than the one running this code listens on the queue."""
    from rq import Worker
    from rq.job import get_current_job

    try:
        q = queue.get_queue()
        current = get_current_job()
        me = current.worker_name if current is not None else None
        return any(w.name != me for w in Worker.all(queue=q))
    except RedisError:  # no Redis: nobody else can process
        return False


# --- the follow-up: the issue loop and the verification tasks -------------------------------------

EVIDENCE = ("已派人现场核实并完成整改，附整改前后照片", "已约谈相关责任单位，限期整改完毕", "已修复并安排专人定期巡查",
            "已协调相关部门联合处置，问题已解决", "已落实整改措施并向群众反馈")
RETURN_REASON = "该问题不属于本部门职责范围，请重新分派"
FALSIFIED = "回访受访者：表示从未接到过满意度调查电话"
UNREACHABLE = "三次拨打均无人接听"
NOT_FIXED = "现场查看：问题仍然存在，整改未落实"
# A share of departments is slow: their median rectification overruns the deadline by 30% (others take half of it).
SLOW_DEPARTMENTS = 0.3


class _FollowUp:
    """Simulated staff act on the round's issues and verification tasks along a timeline up to ``now``."""

    def __init__(self, round_: Round, coordinator: User, team: list[tuple[User, Caller]], fake: set[int],
                 rng: np.random.Generator, now: datetime) -> None:
        self.round, self.coordinator, self.rng, self.now = round_, coordinator, rng, now
        self.callers = [user for user, caller in team if caller.falsifier is None] or [team[0][0]]
        self.fake = fake
        self.verifier = _staff(f"{SIM_PREFIX}verifier", "verifier", "模拟核查员")
        departments = db.session.scalars(select(Department).order_by(Department.id)).all()
        self.liaison = {d.id: _staff(f"{SIM_PREFIX}{d.code}"[:40], "department", f"模拟联络员·{d.name_zh}", d.code)
                        for d in departments}
        slow = set(rng.choice(len(departments), size=round(SLOW_DEPARTMENTS * len(departments)),
                              replace=False).tolist()) if departments else set()
        self.pace = {d.id: (1.3 if i in slow else 0.5) for i, d in enumerate(departments)}
        self.events: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self.counts: dict[str, int] = defaultdict(int)
        self._seq = 0

    def at(self, moment: datetime, action: Callable[[datetime], None]) -> None:
        if moment <= self.now:
            self._seq += 1
            heapq.heappush(self.events, (moment, self._seq, action))

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=float(self.rng.uniform(low, high)))

    def run(self) -> dict[str, int]:
        last = None
        for issue in db.session.scalars(select(Issue).where(Issue.round_id == self.round.id).order_by(Issue.id)):
            created = fieldwork._aware(issue.created_at)
            last = max(last or created, created)
            if issue.status == "new":
                self.at(created + self.hours(2, 30), lambda t, i=issue.id: self.assign(i, t))
            elif issue.status == "assigned":
                self.at(created + self.hours(1, 4), lambda t, i=issue.id: self.work(i, t))
        for task in db.session.scalars(select(Verification).where(Verification.round_id == self.round.id,
                                                                  Verification.kind == "interview",
                                                                  Verification.status == "open")):
            self.at(fieldwork._aware(task.created_at) + self.hours(4, 24 * 7),
                    lambda t, v=task.id: self.verify_interview(v, t))
        if last is not None:
            self.at(last + timedelta(days=14), self.spot_checks)
            self.at(last + timedelta(days=21), self.close_reviewed)
        done = 0
        while self.events:
            moment, _, action = heapq.heappop(self.events)
            action(moment)
            done += 1
            if done % 200 == 0:
                db.session.commit()
        db.session.commit()
        return dict(self.counts)

    def assign(self, issue_id: int, t: datetime) -> None:
        issue = db.session.get(Issue, issue_id)
        department_id = issue.department_id or next(iter(self.liaison), None)
        if department_id is None:
            return
        self.counts["assigned"] += 1
        self._assign(issue, department_id, t)

    def _assign(self, issue: Issue, department_id: int, t: datetime) -> None:
        issues.apply_change(issue, "assigned", actor=self.coordinator, now=t,
                            change=Change(department_id=department_id, urgency=issue.urgency or "normal"))
        self.at(t + self.hours(1, 6), lambda t2, i=issue.id: self.work(i, t2))

    def work(self, issue_id: int, t: datetime) -> None:
        """The liaison returns a few issues at once and rectifies the rest at the department's pace."""
        issue = db.session.get(Issue, issue_id)
        liaison = self.liaison.get(issue.department_id)
        if liaison is None or issue.status not in ("assigned", "reopened"):
            return
        if issue.status == "assigned" and self.rng.random() < 0.04:
            issues.apply_change(issue, "returned", actor=liaison, now=t, change=Change(reason=RETURN_REASON))
            self.counts["returned"] += 1
            self.at(t + self.hours(2, 20), lambda t2: self.reassign(issue_id, t2))
            return
        allowed = (fieldwork._aware(issue.deadline) - t) if issue.deadline else timedelta(days=5)
        delay = max(timedelta(hours=1), allowed * float(self.rng.lognormal(np.log(self.pace[issue.department_id]),
                                                                             0.4)))
        self.at(t + delay, lambda t2: self.rectify(issue_id, t2))

    def reassign(self, issue_id: int, t: datetime) -> None:
        issue = db.session.get(Issue, issue_id)
        self._assign(issue, issue.department_id, t)

    def rectify(self, issue_id: int, t: datetime) -> None:
        issue = db.session.get(Issue, issue_id)
        if issue.status not in ("assigned", "reopened"):
            return
        evidence = EVIDENCE[int(self.rng.integers(len(EVIDENCE)))]
        issues.apply_change(issue, "rectified", actor=self.liaison[issue.department_id], now=t,
                            change=Change(evidence=evidence))
        self.counts["rectified"] += 1
        if issue.status == "awaiting_callback":
            callback = db.session.scalar(select(Callback).where(Callback.issue_id == issue.id,
                                                                Callback.status == "open"))
            self.at(t + self.hours(20, 70), lambda t2, c=callback.id: self.call_back(c, t2))

    def call_back(self, callback_id: int, t: datetime) -> None:
        caller = self.callers[int(self.rng.integers(len(self.callers)))]
        roll = self.rng.random()
        if roll < 0.10:
            issues.record_callback(callback_id, caller, solved=None, satisfied=None, unreachable=True,
                                   note=UNREACHABLE, now=t)
        else:
            solved = roll < 0.87
            satisfied = bool(self.rng.random() < (0.85 if solved else 0.1))
            issue = issues.record_callback(callback_id, caller, solved=solved, satisfied=satisfied, now=t)
            if issue.status == "reopened":
                self.counts["reopened"] += 1
                self.at(t + self.hours(4, 48), lambda t2, i=issue.id: self.work(i, t2))
        self.counts["callbacks"] += 1

    def spot_checks(self, t: datetime) -> None:
        verification.select_issues(self.round.id, by=self.coordinator, seed=int(self.rng.integers(2**31)), now=t)
        for task in db.session.scalars(select(Verification).where(Verification.round_id == self.round.id,
                                                                  Verification.kind == "issue",
                                                                  Verification.status == "open")):
            self.at(t + self.hours(6, 24 * 5), lambda t2, v=task.id: self.verify_issue(v, t2))

    def verify_issue(self, verification_id: int, t: datetime) -> None:
        task = db.session.get(Verification, verification_id)
        issue = db.session.get(Issue, task.issue_id)
        failing = 0.35 if issue.doubtful else 0.08
        if self.rng.random() < failing:
            verification.record(verification_id, self.verifier, outcome="not_fixed", evidence=NOT_FIXED, now=t)
        else:
            verification.record(verification_id, self.verifier, outcome="confirmed", now=t)
        self.counts["spot_checks"] += 1

    def verify_interview(self, verification_id: int, t: datetime) -> None:
        task = db.session.get(Verification, verification_id)
        if task.interview_id in self.fake:
            verification.record(verification_id, self.verifier, outcome="falsified", evidence=FALSIFIED, now=t)
            self.counts["falsified"] += 1
        elif self.rng.random() < 0.08:
            verification.record(verification_id, self.verifier, outcome="unreachable", evidence=UNREACHABLE, now=t)
        else:
            verification.record(verification_id, self.verifier, outcome="confirmed", now=t)
        self.counts["interviews_verified"] += 1

    def close_reviewed(self, t: datetime) -> None:
        for issue in db.session.scalars(select(Issue).where(Issue.round_id == self.round.id,
                                                            Issue.status.in_(("reviewed", "verified")))):
            if issue.status == "reviewed" and issue.callback_solved is False:
                continue
            issues.apply_change(issue, "closed", actor=self.coordinator, now=t, change=Change())
            self.counts["closed"] += 1


# --- the demo: two simulated, reported rounds ---------------------------------------------------------

DEMO_FRAME = "示范城市手机样本框（合成）"
DEMO_ROUNDS = (("2026年第一轮满意度调查（模拟）", 75), ("2026年第二轮满意度调查（模拟）", 14))  # name, started days ago
DEMO_DESIGN = {"strata": ["region"], "target": 5200, "base": 500, "method": "proportional", "completion_rate": 0.35}
DEMO_PEOPLE = 120_000
DEMO_SEED = 2026


def demo_rounds(*, progress: Progress | None = None, now: datetime | None = None) -> list[Outcome]:
    """The demo's two rounds of 5,200 completes, each simulated and reported. Nothing is done twice: a reported
    demo round is left as it is, and one a stopped run left half-done (``make run`` interrupted) is carried on
    from where it stopped. Round 2 is recent, so its issue loop is under way."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from ..models import Frame, Questionnaire
    from . import frames, rounds
    from .synthetic import SYNTHETIC_MAPPING, write_synthetic_csv

    report = progress or (lambda done, total, message="": None)
    now = now or utcnow()
    existing = [db.session.scalar(select(Round).where(Round.name == name)) for name, _ in DEMO_ROUNDS]
    if all(r is not None and r.status == "reported" for r in existing):
        report(100, 100, "the demo rounds exist already")
        return []
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator", User.active).order_by(User.id))
    questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.frozen_at.is_not(None))
                                      .order_by(Questionnaire.id))
    if coordinator is None or questionnaire is None:
        raise InvalidState(N_("load the demo city first: the demo rounds need its coordinator and questionnaire"))
    coordinator_id, questionnaire_id = coordinator.id, questionnaire.id
    report(0, 100, "synthetic frame")
    frame = db.session.scalar(select(Frame).where(Frame.name == DEMO_FRAME))
    if frame is None or frame.status != "ready":  # none yet, or an import a stopped run cut short: a new one
        frame = frames.create_frame(DEMO_FRAME if frame is None else f"{DEMO_FRAME} {utcnow():%Y%m%d%H%M%S}")
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "frame.csv"
            write_synthetic_csv(path, people=DEMO_PEOPLE, seed=DEMO_SEED)
            frames.import_file(frame.id, path, SYNTHETIC_MAPPING)
    frame_id = frame.id
    outcomes: list[Outcome] = []
    previous: int | None = None
    for i, (name, days_ago) in enumerate(DEMO_ROUNDS):
        coordinator = db.session.get(User, coordinator_id)  # each simulation leaves the session empty
        share = (5 + 47 * i, 47)  # progress: 5–52% for round 1, 52–99% for round 2

        def step(done: int, total: int, message: str = "", share: tuple[int, int] = share, name: str = name) -> None:
            report(share[0] + share[1] * done // max(total, 1), 100, f"{name}: {message}")

        round_ = db.session.scalar(select(Round).where(Round.name == name))
        if round_ is None:
            round_ = rounds.copy_round(previous, name, by=coordinator) if previous is not None else \
                rounds.create_round(name, frame_id, DEMO_DESIGN, by=coordinator, questionnaire_id=questionnaire_id)
        if round_.status in ("draft", "sampling"):
            rounds.draw(round_.id, seed=DEMO_SEED + i)
        round_id = round_.id
        if db.session.get(Round, round_id).status in ("sampled", "fielding"):
            start = (now - timedelta(days=days_ago)).astimezone(LOCAL).replace(hour=0, minute=0, second=0,
                                                                                microsecond=0).astimezone(UTC)
            settings = Settings(callers=30, falsifiers=1, seed=DEMO_SEED + i, start=start)
            outcome = simulate_round(round_id, settings, progress=step, now=now)
            outcomes.append(outcome)  # kept as a run, so the round page says how the round came about
            db.session.add(SimulationRun(round_id=round_id, kind="fieldwork", status="done",
                                         settings=settings.to_dict(), result=outcome.to_dict(),
                                         created_by_id=coordinator_id, finished_at=utcnow()))
            db.session.commit()
        round_ = db.session.get(Round, round_id)
        if round_.status == "closed":
            lifecycle.move(round_, "reported", by=db.session.get(User, coordinator_id))
            db.session.commit()
        previous = round_id
    report(100, 100, "done")
    return outcomes
