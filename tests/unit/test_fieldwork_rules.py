"""Call rules, outcomes and final dispositions (pure), with a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from survey.errors import ValidationError
from survey.fieldwork.outcomes import CaseState, decide, exhausted_code, interview_code
from survey.fieldwork.rules import CallRules

RULES = CallRules()
# 19:00 in Shanghai is 11:00 UTC.
EVENING = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


def test_calling_windows_are_in_shanghai_time():
    rules = CallRules.from_dict({"windows": [["18:00", "21:00"]]})
    assert rules.in_window(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # 18:00 local
    assert not rules.in_window(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))  # 21:00 local: closed
    assert not rules.in_window(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # 10:00 local
    assert rules.next_opening(datetime(2026, 11, 23, 2, 0, tzinfo=UTC)) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert rules.next_opening(datetime(2026, 11, 23, 14, 0, tzinfo=UTC)) == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("data", "message"), [
    ({"windows": [["21:00", "18:00"]]}, "must end after it starts"),
    ({"windows": [["7pm", "9pm"]]}, "not a time of day"),
    ({"windows": []}, "at least one calling window"),
    ({"max_attempts": 0}, "between 1 and 20"),
    ({"delays": {"no_answer": -5}}, "cannot be negative"),
    ({"delays": {"sleep": 5}}, "unknown retry delay"),
])
def test_bad_call_rules_are_explained(data, message):
    with pytest.raises(ValidationError, match=message):
        CallRules.from_dict(data)


def test_no_answer_is_tried_again_after_its_delay_until_the_attempts_run_out():
    state = CaseState(attempts=0)
    first = decide("no_answer", state, EVENING, RULES)
    assert first.final_code is None and first.next_call_at == EVENING + timedelta(minutes=180)
    last = decide("no_answer", CaseState(attempts=RULES.max_attempts - 1), EVENING, RULES)
    assert last.final_code == "3.13" and last.final_group == "UH"


def test_busy_and_phone_off_have_their_own_delays():
    rules = CallRules.from_dict({"delays": {"busy": 10, "phone_off": 60}})
    assert decide("busy", CaseState(0), EVENING, rules).next_call_at == EVENING + timedelta(minutes=10)
    assert decide("phone_off", CaseState(0), EVENING, rules).next_call_at == EVENING + timedelta(minutes=60)


def test_an_appointment_sets_the_next_call_and_needs_a_future_time():
    at = EVENING + timedelta(days=1)
    decision = decide("appointment", CaseState(1, contacted=True), EVENING, RULES, appointment_at=at)
    assert decision.next_call_at == decision.appointment_at == at and decision.final_code is None
    with pytest.raises(ValueError):
        decide("appointment", CaseState(1), EVENING, RULES, appointment_at=EVENING - timedelta(minutes=1))


def test_a_first_refusal_is_converted_once_a_second_is_final():
    first = decide("refusal_before", CaseState(1, contacted=True), EVENING, RULES)
    assert first.final_code is None and first.next_call_at == EVENING + timedelta(days=7)
    second = decide("refusal_before", CaseState(2, contacted=True, refusals=1), EVENING, RULES)
    assert second.final_code == "3.21" and second.final_group == "UO"
    no_conversion = CallRules.from_dict({"refusal_conversion": False})
    assert decide("refusal_after", CaseState(1), EVENING, no_conversion).final_code == "2.11"


# --- the DOMAIN.md final-disposition table, row by row ------------------------------------------------

def test_never_answered_on_every_attempt_is_UH():
    assert exhausted_code(CaseState(4)) == "3.13"


def test_answered_and_refused_before_screening_is_UO():
    rules = CallRules.from_dict({"refusal_conversion": False})
    assert decide("refusal_before", CaseState(0), EVENING, rules).final_group == "UO"


@pytest.mark.parametrize(("outcome", "code"), [("ineligible", "4.70"), ("invalid", "4.32"), ("fax", "4.20"),
                                               ("business", "4.51")])
def test_not_eligible_numbers_are_4x(outcome, code):
    decision = decide(outcome, CaseState(0), EVENING, RULES)
    assert decision.final_code == code and decision.final_group == "NE"


def test_screened_eligible_then_refused_is_R():
    rules = CallRules.from_dict({"refusal_conversion": False})
    assert decide("refusal_after", CaseState(0), EVENING, rules).final_group == "R"


def test_screened_eligible_then_broke_off_under_half_is_R():
    assert decide("breakoff", CaseState(0), EVENING, RULES, answered_share=0.49).final_code == "2.12"


def test_screened_eligible_appointment_never_kept_is_NC():
    after_appointment = CaseState(3, contacted=True, eligible=True)
    decision = decide("no_answer", after_appointment, EVENING, RULES)
    assert decision.final_code == "2.21" and decision.final_group == "NC"


@pytest.mark.parametrize(("share", "code"), [(0.5, "1.2"), (0.79, "1.2"), (0.8, "1.1"), (1.0, "1.1"), (0.3, "2.12")])
def test_interviews_by_share_answered(share, code):
    assert interview_code(share) == code
    assert decide("breakoff", CaseState(0), EVENING, RULES, answered_share=share).final_code == code
