"""Callers' quality scores and departments' scorecards, computed by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.quality import IssueOutcome, Rate, caller_quality, department_scorecard

DAY = 86_400.0
NOW = 100 * DAY


# --- callers -------------------------------------------------------------------------------------------

def test_caller_quality_by_hand():
    # checked = 8 + 1 + 1 = 10; 100 · (1 − (0.5·1 + 3·1)/10) = 65; minus 20 · 5/50 = 2
    outcomes = {"confirmed": 8, "discrepancy": 1, "falsified": 1, "unreachable": 3}
    q = caller_quality(7, outcomes, interviews=50, flagged=5)
    assert q.score == pytest.approx(63.0)
    assert (q.checked, q.unreachable, q.provisional) == (10, 3, False)


def test_a_clean_caller_scores_100_and_unreachable_respondents_do_not_count_against_it():
    assert caller_quality(1, {"confirmed": 6, "unreachable": 4}, interviews=60, flagged=0).score == 100.0


def test_without_checks_the_score_rests_on_the_signals_and_is_provisional():
    q = caller_quality(1, {}, interviews=40, flagged=10)
    assert q.score == pytest.approx(95.0) and q.provisional  # 100 − 20 · 10/40


def test_the_score_never_falls_below_zero():
    assert caller_quality(1, {"falsified": 5}, interviews=5, flagged=5).score == 0.0


@pytest.mark.parametrize("outcomes, interviews, flagged", [
    ({"lost": 1}, 10, 0), ({"confirmed": -1}, 10, 0), ({}, 10, 11),
])
def test_impossible_counts_are_refused(outcomes, interviews, flagged):
    with pytest.raises(ValueError):
        caller_quality(1, outcomes, interviews=interviews, flagged=flagged)


counts = st.integers(0, 30)


@given(counts, counts, counts, counts, st.integers(0, 100), st.integers(0, 100))
def test_the_score_is_between_0_and_100_and_another_falsified_interview_never_raises_it(
        confirmed, discrepancy, falsified, unreachable, interviews, flagged):
    flagged = min(flagged, interviews)
    outcomes = {"confirmed": confirmed, "discrepancy": discrepancy, "falsified": falsified, "unreachable": unreachable}
    score = caller_quality(1, outcomes, interviews=interviews, flagged=flagged).score
    worse = caller_quality(1, {**outcomes, "falsified": falsified + 1}, interviews=interviews, flagged=flagged).score
    assert 0.0 <= worse <= score <= 100.0


# --- departments ----------------------------------------------------------------------------------------

def test_department_rates_with_their_numerators_and_denominators():
    outcomes = [
        # water: 4 due — 2 on time, one of them an early fix whose deadline is still ahead — and 1 not yet due
        IssueOutcome("water", deadline=NOW - 5 * DAY, rectified_at=NOW - 6 * DAY, callback_solved=True,
                     callback_satisfied=True, spot_check_passed=True),
        IssueOutcome("water", deadline=NOW - 5 * DAY, rectified_at=NOW - 2 * DAY, callback_solved=False,
                     callback_satisfied=False),
        IssueOutcome("water", deadline=NOW - 1 * DAY, rectified_at=None),
        IssueOutcome("water", deadline=NOW + 3 * DAY, rectified_at=NOW - DAY, callback_solved=True,
                     callback_satisfied=None, spot_check_passed=False),
        IssueOutcome("water", deadline=NOW + 3 * DAY, rectified_at=None),
        # roads: nothing due, nothing called back
        IssueOutcome("roads", deadline=NOW + DAY),
    ]
    roads, water = department_scorecard(outcomes, as_of=NOW)
    assert water.department == "water"
    assert water.on_time == Rate(2, 4) and water.on_time.value == 0.5
    assert water.callback_resolution == Rate(2, 3)
    assert water.callback_satisfaction == Rate(1, 2)
    assert water.spot_check_pass == Rate(1, 2)
    assert water.below == ("on_time", "callback_resolution", "callback_satisfaction", "spot_check_pass")
    assert water.flagged
    assert roads.on_time.value is None and roads.below == () and not roads.flagged


def test_a_department_at_the_threshold_is_not_flagged_and_small_denominators_can_be_ignored():
    at = [IssueOutcome("a", deadline=NOW, rectified_at=NOW - DAY)] * 17 + [IssueOutcome("a", deadline=NOW)] * 3
    (row,) = department_scorecard(at, as_of=NOW)
    assert row.on_time == Rate(17, 20) and row.on_time.value == pytest.approx(0.85) and not row.flagged
    one_miss = [IssueOutcome("b", deadline=NOW - DAY)]
    assert department_scorecard(one_miss, as_of=NOW)[0].below == ("on_time",)
    assert department_scorecard(one_miss, as_of=NOW, min_denominator=5)[0].below == ()
    assert department_scorecard(one_miss, as_of=NOW, threshold=0.0)[0].below == ()
    with pytest.raises(ValueError):
        department_scorecard(one_miss, as_of=NOW, threshold=85)
