"""The caller's work on a small fielding round, with a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from survey.errors import InvalidState, ValidationError
from survey.models import Answer, AuditEvent, CallAttempt, Case, Interview, QualitySignal, Stratum
from survey.services import fieldwork, lifecycle, questionnaires, rounds

from ..conftest import make_user
from .test_rounds import frame  # noqa: F401  (the frame fixture)

EVENING = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 19:00 in Shanghai
DESIGN = {"strata": ["region"], "target": 60, "completion_rate": 0.5, "replicates": 2, "reserve_replicates": 1}


@pytest.fixture
def fielding(frame):  # noqa: F811
    coordinator = make_user("coordinator")
    round_ = rounds.create_round("第一轮", frame.id, DESIGN, by=coordinator,
                                 questionnaire_id=questionnaires.list_questionnaires()[0].id)
    rounds.draw(round_.id, seed=3)
    lifecycle.change_status(round_.id, "fielding", by=coordinator)
    return round_


@pytest.fixture
def callers(db):
    return [make_user("caller") for _ in range(3)]


def complete_answers(screen_age: int = 40) -> dict:
    instrument = questionnaires.document(questionnaires.list_questionnaires()[0])
    answers = {"S1": screen_age, "S2": "yes"}
    for q in instrument.questions:
        if q.type == "scale":
            answers[q.code] = "satisfied"
    return answers


def test_a_claim_gives_each_caller_a_different_case_and_the_same_one_again(fielding, callers):
    a = fieldwork.claim_next(fielding.id, callers[0], now=EVENING)
    b = fieldwork.claim_next(fielding.id, callers[1], now=EVENING)
    assert a.id != b.id and a.claimed_by_id == callers[0].id
    assert fieldwork.claim_next(fielding.id, callers[0], now=EVENING).id == a.id  # one case at a time


def test_an_idle_claim_expires_and_the_case_returns_to_the_pool(fielding, callers):
    a = fieldwork.claim_next(fielding.id, callers[0], now=EVENING)
    later = EVENING + timedelta(minutes=fieldwork.rules_for(fielding).claim_minutes + 1)
    taken = [fieldwork.claim_next(fielding.id, c, now=later).id for c in callers[1:]]
    assert a.id in taken
    with pytest.raises(InvalidState, match="do not hold this case"):
        fieldwork.record_outcome(a.id, callers[0], "no_answer", now=later)


def test_outside_the_calling_windows_only_due_appointments_are_given(fielding, callers):
    case = fieldwork.claim_next(fielding.id, callers[0], now=EVENING)
    tomorrow_late = EVENING + timedelta(days=1, hours=3)  # 22:00 local: windows closed
    fieldwork.record_outcome(case.id, callers[0], "appointment", now=EVENING,
                             appointment_at=tomorrow_late - timedelta(minutes=5))
    assert fieldwork.claim_next(fielding.id, callers[1], now=EVENING + timedelta(hours=3)) is None
    again = fieldwork.claim_next(fielding.id, callers[1], now=tomorrow_late)
    assert again.id == case.id  # the appointment is honoured


def test_due_appointments_come_first_then_retries_then_fresh_numbers(fielding, callers, db):
    fielding.call_rules = {"delays": {"no_answer": 60, "busy": 60}}
    db.session.commit()
    caller = callers[0]
    first = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    fieldwork.record_outcome(first.id, caller, "no_answer", now=EVENING)
    second = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    fieldwork.record_outcome(second.id, caller, "appointment", now=EVENING,
                             appointment_at=EVENING + timedelta(minutes=90))
    half = EVENING + timedelta(minutes=30)
    third = fieldwork.claim_next(fielding.id, caller, now=half)
    assert third.id not in (first.id, second.id)  # nothing is due yet: a fresh number
    fieldwork.record_outcome(third.id, caller, "busy", now=half)
    at = EVENING + timedelta(minutes=91)  # 20:31 local: the appointment and the first retry are due
    assert fieldwork.claim_next(fielding.id, caller, now=at).id == second.id
    fieldwork.record_outcome(second.id, caller, "no_answer", now=at)
    assert fieldwork.claim_next(fielding.id, caller, now=at).id == first.id


def test_a_stratum_that_runs_out_opens_its_next_replicate_unless_it_reached_its_target(fielding, callers, db):
    stratum = db.session.scalars(select(Stratum).where(Stratum.round_id == fielding.id)
                                 .order_by(Stratum.position)).first()
    released_before = stratum.released
    cases = db.session.scalars(select(Case).where(Case.stratum_id == stratum.id, Case.released)).all()
    for case in cases:  # every released number turns out to be invalid
        case.claimed_by_id, case.claimed_at = callers[0].id, EVENING
        db.session.commit()
        fieldwork.record_outcome(case.id, callers[0], "invalid", now=EVENING)
    assert stratum.released > released_before
    opened = db.session.scalar(select(func.count()).select_from(Case).where(Case.stratum_id == stratum.id,
                                                                           Case.released, Case.final_code.is_(None)))
    assert opened == stratum.released - released_before


def test_a_stratum_at_its_target_gets_no_new_replicate(fielding, callers, db):
    stratum = db.session.scalars(select(Stratum).where(Stratum.round_id == fielding.id)).first()
    stratum.target = 0
    db.session.query(Case).filter(Case.stratum_id == stratum.id, Case.released).update(
        {"final_code": "4.32", "final_group": "NE"})
    assert fieldwork.release_if_run_out(stratum.id) == 0


def test_a_submitted_interview_is_stored_once_with_its_answers_and_disposition(fielding, callers, db):
    caller = callers[0]
    case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    payload = {"idempotency_key": "k" * 32, "answers": complete_answers(),
               "paradata": {"started_at": "2026-11-23T10:55:00Z", "seconds": {"S1": 3.5}}}
    submitted = fieldwork.submit_interview(case.id, caller, payload, now=EVENING)
    assert submitted.created and submitted.interview.final_code == "1.1" and case.final_group == "I"
    assert submitted.interview.duration_seconds == 300
    again = fieldwork.submit_interview(case.id, caller, payload, now=EVENING)  # a double click
    assert not again.created and again.interview.id == submitted.interview.id
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 14  # 2 screening + 12 indicators
    assert db.session.scalar(select(func.count()).select_from(CallAttempt)) == 1


def test_a_break_off_keeps_what_was_answered_and_is_coded_by_share(fielding, callers, db):
    caller = callers[0]
    case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    answers = {k: v for i, (k, v) in enumerate(complete_answers().items()) if i < 2 + 7}  # 7 of 12 indicators
    submitted = fieldwork.submit_interview(case.id, caller, {"idempotency_key": "b" * 32, "answers": answers,
                                                             "outcome": "breakoff"}, now=EVENING)
    assert submitted.interview.final_code == "1.2" and submitted.interview.answered_share == pytest.approx(7 / 12)


def test_screened_out_is_not_eligible(fielding, callers):
    caller = callers[0]
    case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    submitted = fieldwork.submit_interview(case.id, caller, {"idempotency_key": "s" * 32, "answers": {"S1": 70}},
                                           now=EVENING)
    assert submitted.interview.final_code == "4.70" and case.final_group == "NE"


@pytest.mark.parametrize(("change", "field"), [
    ({"public_security": "delighted"}, "public_security"),  # unknown option
    ({"public_security_why": "太吵了"}, "public_security_why"),  # skipped by its condition
    ({"S1": 130}, "S1"),  # out of range
    ({"no_such": "x"}, "no_such"),
])
def test_structural_errors_name_the_field_and_store_nothing(fielding, callers, db, change, field):
    caller = callers[0]
    case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    with pytest.raises(ValidationError) as raised:
        fieldwork.submit_interview(case.id, caller, {"idempotency_key": "e" * 32,
                                                     "answers": {**complete_answers(), **change}}, now=EVENING)
    assert raised.value.details[0]["field"] == field
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0
    assert case.final_code is None and case.attempts == 0


def test_a_case_not_held_cannot_be_submitted(fielding, callers):
    case = fieldwork.claim_next(fielding.id, callers[0], now=EVENING)
    with pytest.raises(InvalidState):
        fieldwork.submit_interview(case.id, callers[1], {"idempotency_key": "n" * 32, "answers": {}}, now=EVENING)


def test_only_the_holder_sees_the_number_and_each_reveal_is_audited(fielding, callers, db):
    case = fieldwork.claim_next(fielding.id, callers[0], now=EVENING)
    number = fieldwork.reveal_phone(case.id, callers[0], now=EVENING)
    assert len(number) >= 10 and fieldwork.masked_phone(case) != number and "****" in fieldwork.masked_phone(case)
    with pytest.raises(InvalidState):
        fieldwork.reveal_phone(case.id, callers[1], now=EVENING)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.phone_revealed")).all()
    assert [e.actor for e in events] == [callers[0].username]


def test_the_callers_own_figures(fielding, callers):
    caller = callers[0]
    case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    fieldwork.record_outcome(case.id, caller, "invalid", now=EVENING)
    case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    fieldwork.submit_interview(case.id, caller, {"idempotency_key": "f" * 32, "answers": complete_answers()},
                               now=EVENING)
    today = fieldwork.caller_today(caller, now=EVENING)
    assert today["dials"] == 2 and today["completes"] == 1 and today["rr1"] == 1.0


def test_processing_stores_scores_complaints_and_signals_once(fielding, callers, db):
    from survey.models import Complaint, QualitySignal
    from survey.services import interviews

    caller = callers[0]
    case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    given = {**complete_answers(), "healthcare": "dissatisfied", "healthcare_why": "排队太久", "fix": "修路"}
    interview = fieldwork.submit_interview(case.id, caller, {"idempotency_key": "p" * 32, "answers": given,
                                                             "paradata": {"started_at": "2026-11-23T10:59:40Z"}},
                                           now=EVENING).interview
    assert interviews.process(interview.id) == "processed"
    assert interviews.process(interview.id) == "processed"  # again: nothing twice
    assert interview.scores["healthcare"] == 0 and interview.satisfied["public_security"] == 1
    complaints = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    assert [(c.kind, c.text) for c in complaints] == [("why", "排队太久"), ("open", "修路")]
    signals = {s.kind for s in db.session.scalars(select(QualitySignal))}
    assert signals == {"short_interview"}  # 20 seconds for 27 questions


def test_the_bulk_path_gives_the_same_rows_in_one_transaction(fielding, callers, db):
    from survey.models import Complaint
    from survey.services import interviews

    caller = callers[0]
    ids = []
    for i in range(3):
        case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
        given = {**complete_answers(), "healthcare": "dissatisfied", "healthcare_why": f"原因{i}"}
        ids.append(fieldwork.submit_interview(case.id, caller, {"idempotency_key": f"bulk-{i}" * 4, "answers": given},
                                              now=EVENING).interview.id)
    interviews.process_many(ids[:1])  # one already processed
    assert interviews.process_many(ids) == {"processed": 2, "already": 1}
    assert interviews.process_many(ids) == {"processed": 0, "already": 3}
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 3
    db.session.expire_all()
    assert all(db.session.get(Interview, i).scores["healthcare"] == 0 for i in ids)


def _submitted(round_, caller, n: int, key: str) -> list[int]:
    ids = []
    for i in range(n):
        case = fieldwork.claim_next(round_.id, caller, now=EVENING)
        ids.append(fieldwork.submit_interview(case.id, caller, {"idempotency_key": f"{key}-{i}".ljust(32, "x"),
                                                                "answers": complete_answers()},
                                              now=EVENING).interview.id)
    return ids


def test_a_live_job_takes_the_waiting_interviews_of_its_round_along_and_theirs_find_them_done(fielding, callers, db,
                                                                                              monkeypatch):
    from survey.services import interviews

    monkeypatch.setattr(interviews, "LIVE_BATCH", 3)
    ids = _submitted(fielding, callers[0], 5, "backlog")
    assert interviews.process(ids[3]) == "processed"  # its own, then the two oldest waiting
    status = dict(db.session.execute(select(Interview.id, Interview.status).where(Interview.id.in_(ids))).all())
    assert [status[i] for i in ids] == ["processed", "processed", "received", "processed", "received"]
    assert interviews.process(ids[0]) == "processed"  # its job comes later and finds it done: nothing twice
    assert interviews.process(ids[2]) == "processed"
    assert interviews.process_many(ids) == {"processed": 0, "already": 5}
    signals = db.session.execute(select(QualitySignal.interview_id, QualitySignal.kind)
                                 .where(QualitySignal.interview_id.in_(ids))).all()
    assert len(signals) == len(set(signals)) > 0  # one signal of a kind per interview, whoever processed it


def test_a_live_job_leaves_other_rounds_waiting_interviews_to_their_own_jobs(fielding, callers, db, frame):  # noqa: F811
    from survey.services import interviews

    coordinator = make_user("coordinator")
    other = rounds.create_round("第二轮", frame.id, DESIGN, by=coordinator,
                                questionnaire_id=questionnaires.list_questionnaires()[0].id)
    rounds.draw(other.id, seed=4)
    lifecycle.change_status(other.id, "fielding", by=coordinator)
    mine = _submitted(fielding, callers[0], 2, "mine")
    theirs = _submitted(other, callers[1], 1, "theirs")
    interviews.process(mine[0])
    assert db.session.get(Interview, mine[1]).status == "processed"
    assert db.session.get(Interview, theirs[0]).status == "received"


def test_processing_an_unknown_interview_is_a_clear_error(db):
    from survey.errors import NotFound
    from survey.services import interviews

    with pytest.raises(NotFound):
        interviews.process(987654)


def test_a_number_said_in_an_open_answer_is_stored_masked(fielding, callers, db):
    case = fieldwork.claim_next(fielding.id, callers[0], now=EVENING)
    answers = {**complete_answers(), "healthcare": "dissatisfied",
               "healthcare_why": "挂号难，请回电 139-1234-0001 或 13812340002"}
    stored = fieldwork.submit_interview(case.id, callers[0], {"idempotency_key": "m" * 32, "answers": answers},
                                        now=EVENING).interview
    expected = "挂号难，请回电 139****0001 或 138****0002"
    assert stored.payload["answers"]["healthcare_why"] == expected
    assert expected in {a.text for a in stored.answers}
