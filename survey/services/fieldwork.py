"""The caller's work: claim the next case, record each call's outcome, submit the interview.

A claim is one atomic UPDATE of the chosen row — under ``BEGIN IMMEDIATE`` on SQLite (the write lock is
taken before the choice is read), with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL — so two callers never
get the same case whatever process they are served by. A claim left idle longer than the round's
``claim_minutes`` returns the case to the pool; a caller holds at most one case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import queue
from ..errors import Gone, InvalidState, NotFound, ValidationError
from ..extensions import db
from ..fieldwork import answers as answer_checks
from ..fieldwork.outcomes import OUTCOMES, CaseState, decide
from ..fieldwork.rules import CallRules
from ..i18n import N_
from ..models import Answer, CallAttempt, Case, FrameUnit, Interview, Round, Stratum, User
from ..phones import mask, mask_within
from . import audit, questionnaires, retention
from .frames import vault


def now_utc() -> datetime:
    return datetime.now(UTC)


def rules_for(round_: Round) -> CallRules:
    return CallRules.from_dict(round_.call_rules)


def fielding_rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).where(Round.status == "fielding").order_by(Round.id)))


def _expired(rules: CallRules, now: datetime) -> datetime:
    return now - timedelta(minutes=rules.claim_minutes)


def _holds(caller: User, case: Case, rules: CallRules, now: datetime) -> bool:
    """The caller's claim on an open case that has not expired."""
    return case.claimed_by_id == caller.id and case.final_code is None and case.claimed_at is not None \
        and _aware(case.claimed_at) >= _expired(rules, now)


def held_case(caller: User, now: datetime | None = None) -> Case | None:
    """The open case this caller holds (an expired claim is no longer held)."""
    now = now or now_utc()
    for case, call_rules in db.session.execute(select(Case, Round.call_rules).join(Round, Case.round_id == Round.id)
                                               .where(Case.claimed_by_id == caller.id, Case.final_code.is_(None))):
        if _holds(caller, case, CallRules.from_dict(call_rules), now):
            return case
    return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def claim_next(round_id: int, caller: User, *, now: datetime | None = None) -> Case | None:
    """The caller's next case (or the one they already hold); None when nothing is callable now."""
    now = now or now_utc()
    held = held_case(caller, now)
    if held is not None:
        return held
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.status != "fielding":
        raise InvalidState(N_("this round is not in the field"))
    rules = rules_for(round_)
    free = or_(Case.claimed_by_id.is_(None), Case.claimed_at < _expired(rules, now))
    base = select(Case.id).where(Case.round_id == round_.id, Case.released, Case.final_code.is_(None),
                                 Case.attempts < rules.max_attempts, free)
    # In priority order, each read from the claim index without sorting: due appointments (their
    # next call is the appointment), then numbers whose retry time has come (oldest first), then
    # fresh numbers (in drawn order). Outside the calling windows only appointments are given.
    due = Case.next_call_at <= now
    candidates = [base.where(due, Case.appointment_at.is_not(None)).order_by(Case.next_call_at)]
    if rules.in_window(now):
        candidates += [base.where(due, Case.appointment_at.is_(None)).order_by(Case.next_call_at),
                       base.where(Case.next_call_at.is_(None)).order_by(Case.id)]
    db.session.commit()  # the claim is a transaction of its own, begun with the write lock on SQLite
    connection = db.session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})
    claimed = None
    for candidate in candidates:
        candidate = candidate.limit(1)
        if connection.dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        claimed = db.session.execute(update(Case).where(Case.id == candidate.scalar_subquery(), free)
                                     .values(claimed_by_id=caller.id, claimed_at=now).returning(Case.id)).scalar()
        if claimed is not None:
            break
    db.session.commit()
    return None if claimed is None else db.session.get(Case, claimed)


def next_opening(round_id: int, *, now: datetime | None = None) -> datetime:
    round_ = db.session.get(Round, round_id)
    return rules_for(round_).next_opening(now or now_utc())


def _held(case_id: int, caller: User, now: datetime) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound(N_("no such case"))
    if not _holds(caller, case, rules_for(db.session.get(Round, case.round_id)), now):
        raise InvalidState(N_("you do not hold this case (its claim expired or it was finished): take the next one"),
                           field="case")
    return case


def touch(case_id: int, caller: User, *, now: datetime | None = None) -> None:
    """The caller is still working on the case: keep the claim alive."""
    now = now or now_utc()
    _held(case_id, caller, now).claimed_at = now
    db.session.commit()


def reveal_phone(case_id: int, caller: User, *, now: datetime | None = None) -> str:
    """The number in clear, for the caller holding the case only; every reveal is audited."""
    case = _held(case_id, caller, now or now_utc())
    unit = db.session.get(FrameUnit, case.frame_unit_id)
    if unit.phone_enc is None:  # erased after its retention period (a round reopened, a race with a draw)
        raise Gone(retention.ERASED)
    audit.record("case.phone_revealed", actor=caller, target=case)
    db.session.commit()
    return vault().decrypt(unit.phone_enc)


def case_history(case: Case) -> list[CallAttempt]:
    return list(db.session.scalars(select(CallAttempt).where(CallAttempt.case_id == case.id)
                                   .order_by(CallAttempt.id)))


def masked_phone(case: Case) -> str | None:
    """The case's number masked; None once it was erased after its retention period."""
    unit = db.session.get(FrameUnit, case.frame_unit_id)
    return None if unit.phone_enc is None else mask(vault().decrypt(unit.phone_enc))


def record_outcome(case_id: int, caller: User, outcome: str, *, now: datetime | None = None,
                   appointment_at: datetime | None = None, note: str = "", screened_eligible: bool = False) -> Case:
    """Record a call that did not end in an interview (no answer, refusal, appointment …)."""
    now = now or now_utc()
    _check_outcome(outcome, now, appointment_at)  # before the claim is looked at, as ever
    case = _held(case_id, caller, now)
    _apply(case, caller, outcome, now, appointment_at=appointment_at, note=note, screened_eligible=screened_eligible)
    db.session.commit()
    return case


def record_call(case: Case, caller: User, outcome: str, now: datetime, *, appointment_at: datetime | None = None,
                note: str = "", screened_eligible: bool = False, release: bool = True) -> None:
    """Check a non-interview outcome and apply it to the case (the caller commits)."""
    _check_outcome(outcome, now, appointment_at)
    _apply(case, caller, outcome, now, appointment_at=appointment_at, note=note, screened_eligible=screened_eligible,
           release=release)


def _check_outcome(outcome: str, now: datetime, appointment_at: datetime | None) -> None:
    if outcome not in OUTCOMES or OUTCOMES[outcome][2] == "interview":
        raise ValidationError(N_("unknown call outcome %(outcome)s"), params={"outcome": outcome},
                              details=[{"field": "outcome", "message": f"unknown call outcome {outcome!r}"}])
    if outcome == "appointment" and (appointment_at is None or appointment_at <= now):
        raise ValidationError(N_("an appointment needs a time in the future"),
                              details=[{"field": "appointment_at", "message": "a time in the future is needed"}])


def _apply(case: Case, caller: User, outcome: str, now: datetime, *, appointment_at: datetime | None = None,
           note: str = "", answered_share: float | None = None, screened_eligible: bool = False,
           release: bool = True) -> None:
    """Record the attempt and move the case on. ``release=False``: the caller (the simulator, which
    knows how many numbers each stratum has open) calls :func:`release_if_run_out` itself."""
    round_ = db.session.get(Round, case.round_id)
    decision = decide(outcome, CaseState(case.attempts, case.contacted, case.eligible, case.refusals), now,
                      rules_for(round_), appointment_at=appointment_at, answered_share=answered_share,
                      screened_eligible=screened_eligible)
    interim = OUTCOMES[outcome][1] if OUTCOMES[outcome][2] != "interview" else decision.final_code
    db.session.add(CallAttempt(case_id=case.id, round_id=case.round_id, caller_id=caller.id, started_at=now,
                               ended_at=now, outcome=outcome, aapor_code=interim, appointment_at=appointment_at,
                               note=(note or "")[:500]))
    case.attempts += 1
    case.contacted, case.eligible = decision.contacted, decision.eligible
    case.refusals += OUTCOMES[outcome][2] == "refusal"
    case.last_outcome = outcome
    case.next_call_at = decision.next_call_at
    case.appointment_at = decision.appointment_at
    case.claimed_by_id = case.claimed_at = None  # back to the pool (or finished)
    if decision.final_code:
        case.final_code, case.final_group, case.finalised_at = decision.final_code, decision.final_group, now
        if release:
            db.session.flush()
            release_if_run_out(case.stratum_id)


def release_if_run_out(stratum_id: int) -> int:
    """Open the stratum's next replicate when its released numbers are all finished before its target
    completes are reached (a stratum at its target gets no new replicates). Returns numbers released."""
    open_cases = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.stratum_id == stratum_id, Case.released, Case.final_code.is_(None)))
    return 0 if open_cases else release_replacement(stratum_id)


def release_replacement(stratum_id: int) -> int:
    """Open the stratum's next replicate if it is short of its target — also to replace a quarantined
    interview (released whole, so base weights stay N_h / numbers released). Returns numbers released."""
    stratum = db.session.get(Stratum, stratum_id)
    completes = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.stratum_id == stratum_id, Case.final_group == "I"))
    if completes >= stratum.target:
        return 0
    following = db.session.scalar(select(func.min(Case.replicate)).where(Case.stratum_id == stratum_id,
                                                                         Case.released.is_(False)))
    return 0 if following is None else _release(stratum, following)


def _release(stratum: Stratum, replicate: int) -> int:
    released = db.session.execute(update(Case).where(Case.stratum_id == stratum.id, Case.replicate == replicate)
                                  .values(released=True)).rowcount
    stratum.released += released
    audit.record("stratum.replicate_released", actor=None, target=stratum, replicate=replicate, numbers=released)
    return released


# --- interviews -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Submitted:
    interview: Interview
    created: bool  # False when the same submission had been stored before (a double click, a retry)
    queued: bool


def submit_interview(case_id: int, caller: User, payload: dict[str, Any], *,
                     now: datetime | None = None) -> Submitted:
    """Check and store an interview, its answers and the case's disposition in one transaction; then
    queue its processing. The same idempotency key returns the stored interview (nothing twice)."""
    now = now or now_utc()
    key = str(payload.get("idempotency_key") or "")
    if not 8 <= len(key) <= 64:
        raise ValidationError(N_("the submission has no idempotency key"),
                              details=[{"field": "idempotency_key", "message": "8 to 64 characters"}])
    existing = db.session.scalar(select(Interview).where(Interview.idempotency_key == key))
    if existing is not None:
        if existing.case_id != case_id or existing.caller_id != caller.id:
            raise ValidationError(N_("this idempotency key belongs to another interview"),
                                  details=[{"field": "idempotency_key", "message": "already used"}])
        return Submitted(existing, False, False)
    case = _held(case_id, caller, now)
    interview = store_interview(case, caller, payload, key, now)
    try:
        db.session.commit()
    except IntegrityError:  # the same submission, stored a moment ago by a concurrent request
        db.session.rollback()
        existing = db.session.scalar(select(Interview).where(Interview.idempotency_key == key))
        if existing is None:
            raise
        return Submitted(existing, False, False)
    job = queue.enqueue("workers.interviews.process", interview.id, job_id=f"interview-{interview.id}",
                        description=f"Process interview {interview.id}")
    return Submitted(interview, True, job is not None)


def store_interview(case: Case, caller: User, payload: dict[str, Any], key: str, now: datetime, *,
                    release: bool = True, frozen: tuple | None = None,
                    answer_rows: list[tuple[Interview, dict[str, Any]]] | None = None) -> Interview:
    """Check an interview's answers and add it, its answers and the case's disposition to the session
    (the caller commits). Shared by the caller's submission and the simulator's fieldwork, which passes
    the round's ``questionnaires.frozen`` once instead of a look-up (and a flush) per interview, and
    collects the answers in ``answer_rows`` to insert them in bulk once the interviews have ids."""
    round_ = db.session.get(Round, case.round_id)
    instrument, ids = frozen or questionnaires.frozen(round_.questionnaire_id)
    given = payload.get("answers")
    if not isinstance(given, dict):
        raise ValidationError(N_("the submission has no answers"), details=[{"field": "answers",
                                                                            "message": "an object is needed"}])
    completion = answer_checks.check(instrument, given)
    if completion.errors:
        first = completion.errors[0]
        raise ValidationError(first["template"], params=first["params"],
                              details=[{"field": e["field"], "message": e["message"]} for e in completion.errors])
    # A number said in an open answer (the respondent's own, a neighbour's) is kept only masked: the words go to a
    # department as an issue, and the respondent's own number is on the frame, encrypted, for the call-back.
    given = {code: mask_within(value) if isinstance(value, str) and instrument.question(code).type == "text"
             else value for code, value in given.items()}
    requested = payload.get("outcome", "complete")
    if requested not in ("complete", "breakoff"):
        raise ValidationError(N_("an interview ends as complete or break-off"),
                              details=[{"field": "outcome", "message": "complete or breakoff"}])
    # The final code follows the share answered (≥ 80% complete, 50–80% partial, else break-off),
    # whatever the button; a screening answer that rules the respondent out makes it "not eligible".
    outcome = "ineligible" if completion.screening == "ineligible" else requested
    final_share = completion.share
    paradata = payload.get("paradata") if isinstance(payload.get("paradata"), dict) else {}
    started, ended = _moment(paradata.get("started_at")), _moment(paradata.get("ended_at")) or now
    seconds = paradata.get("seconds") if isinstance(paradata.get("seconds"), dict) else {}
    _apply(case, caller, outcome, now, answered_share=final_share,
           screened_eligible=completion.screening == "eligible", release=release)
    interview = Interview(
        case_id=case.id, round_id=case.round_id, questionnaire_id=round_.questionnaire_id, caller_id=caller.id,
        idempotency_key=key, outcome=outcome, final_code=case.final_code, answered_share=final_share,
        started_at=started, ended_at=ended, submitted_at=now,
        duration_seconds=(ended - started).total_seconds() if started and ended else None,
        paradata={k: v for k, v in paradata.items() if k in ("seconds", "back_edits", "started_at", "ended_at")},
        payload={"answers": given, "outcome": requested})
    for code in completion.answered:
        question = instrument.question(code)
        value = given[code]
        question_id, options = ids[code]
        row: dict[str, Any] = {"question_id": question_id, "seconds": _seconds(seconds.get(code))}
        if question.type in ("scale", "single"):
            row["option_id"] = options[value]
        elif question.type == "multiple":
            row["option_ids"] = [options[v] for v in value]
        elif question.type == "number":
            row["number"] = float(value)
        else:
            row["text"] = value.strip()
        if answer_rows is None:
            interview.answers.append(Answer(**row))
        else:
            answer_rows.append((interview, row))
    db.session.add(interview)
    return interview


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _aware(moment)


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 86_400:
        return None
    return float(value)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


# --- the caller's own figures -----------------------------------------------------------------------

def caller_today(caller: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Today's (Asia/Shanghai) dials, completes, appointments due, and the caller's own rates."""
    from ..fieldwork.rules import LOCAL
    from ..stats import aapor_rates

    now = now or now_utc()
    start = now.astimezone(LOCAL).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    attempts = db.session.execute(select(CallAttempt.outcome, CallAttempt.aapor_code)
                                  .where(CallAttempt.caller_id == caller.id, CallAttempt.started_at >= start)).all()
    dials = len(attempts)
    completes = sum(1 for outcome, code in attempts if code == "1.1")
    due = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.final_code.is_(None), Case.appointment_at.is_not(None), Case.appointment_at <= now + timedelta(hours=1),
        Case.id.in_(select(CallAttempt.case_id).where(CallAttempt.caller_id == caller.id,
                                                      CallAttempt.outcome == "appointment"))))
    finals = db.session.execute(
        select(Case.final_group, func.count()).where(Case.final_code.is_not(None), Case.id.in_(
            select(CallAttempt.case_id).where(CallAttempt.caller_id == caller.id))).group_by(Case.final_group)).all()
    counts = {group: n for group, n in finals if group in ("I", "P", "R", "NC", "O", "UH", "UO")}
    rates = aapor_rates(counts) if counts else {}
    return {"dials": dials, "completes": completes, "appointments_due": due,
            "rr1": rates.get("RR1"), "coop1": rates.get("COOP1"), "ref1": rates.get("REF1"),
            "finished_cases": sum(n for _, n in finals)}

