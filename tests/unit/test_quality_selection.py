"""Choosing what to verify: the random floor, risk-targeted interviews, spot-check issues — and the
acceptance figures on simulated callers (falsifiers caught, honest callers left at the floor)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.quality import (
    Assessment,
    CallerRecord,
    InterviewRecord,
    IssueRecord,
    Reason,
    floor_count,
    select_interviews,
    select_issues,
)
from survey.simulation.callers import Caller, simulate_team
from survey.simulation.population import demo_population


def interview(id: int, caller: int) -> InterviewRecord:
    return InterviewRecord(id=id, caller_id=caller, stratum="hedong|rural", district="hedong", started_at=600.0 * id,
                           ended_at=600.0 * id + 150, needed_seconds=100.0, question_seconds={}, ratings={}, asked=14,
                           unanswered=0)


def calm(interviews) -> dict[int, Assessment]:
    """Assessments without any signal: only the floor picks anything."""
    return {i.id: Assessment(i.id, i.caller_id, (), 0.0) for i in interviews}


def team(completes: dict[int, int]) -> list[InterviewRecord]:
    out: list[InterviewRecord] = []
    for caller, n in completes.items():
        out += [interview(len(out) + k + 1, caller) for k in range(n)]
    return out


# --- the floor -----------------------------------------------------------------------------------------

def test_the_floor_is_rounded_up_after_removing_float_noise():
    assert floor_count(100, 0.10) == 10
    assert floor_count(30, 0.10) == 3  # 0.1 × 30 is 3.0000000000000004 in floating point
    assert floor_count(95, 0.10) == 10  # 9.5 → 10: never below the nominal share
    assert floor_count(1, 0.05) == 1  # every caller with a complete is checked
    assert floor_count(0, 0.15) == 0


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(1, 40), st.integers(1, 60), min_size=1, max_size=6),
       st.floats(0.05, 0.15), st.sets(st.integers(1, 40)), st.integers(0, 2**32 - 1))
def test_each_caller_gets_its_floor_of_random_picks(completes, floor, new, seed):
    records = team(completes)
    callers = [CallerRecord(c, c in new, 0, 0, 0, 0, n) for c, n in completes.items()]
    picks = select_interviews(records, callers, seed=seed, floor=floor, assessments=calm(records))
    owner = {i.id: i.caller_id for i in records}
    for caller, n in completes.items():
        share = 0.20 if caller in new else floor
        assert sum(owner[p.target_id] == caller for p in picks) == math.ceil(round(share * n, 9))
    assert all(p.rule == "floor" and p.reasons[0].kind == "floor" for p in picks)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.integers(1, 20), st.integers(1, 40), min_size=1, max_size=5), st.integers(0, 2**32 - 1),
       st.randoms(use_true_random=False))
def test_the_same_input_and_seed_give_the_same_picks_in_any_order(completes, seed, shuffler):
    records = team(completes)
    callers = [CallerRecord(c, False, 0, 0, 0, 0, n) for c, n in completes.items()]
    shuffled = records[:]
    shuffler.shuffle(shuffled)
    one = select_interviews(records, callers, seed=seed, assessments=calm(records))
    two = select_interviews(shuffled, list(reversed(callers)), seed=seed, assessments=calm(shuffled))
    assert one == two


def test_another_seed_draws_another_floor_and_a_new_caller_leaves_the_others_alone():
    records = team({1: 100, 2: 100})
    base = {p.target_id for p in select_interviews(records, seed=1, assessments=calm(records))}
    assert base != {p.target_id for p in select_interviews(records, seed=2, assessments=calm(records))}
    more = records + [interview(1000 + k, 3) for k in range(50)]
    extended = {p.target_id for p in select_interviews(more, seed=1, assessments=calm(more))}
    assert {i for i in extended if i < 1000} == base and len(extended - base) == 5


def test_a_new_caller_has_the_higher_floor_with_its_own_reason():
    records = team({1: 50, 2: 50})
    callers = [CallerRecord(1, False, 0, 0, 0, 0, 50), CallerRecord(2, True, 0, 0, 0, 0, 50)]
    picks = select_interviews(records, callers, seed=0, assessments=calm(records))
    owner = {i.id: i.caller_id for i in records}
    by_caller = {c: [p for p in picks if owner[p.target_id] == c] for c in (1, 2)}
    assert len(by_caller[1]) == 5 and len(by_caller[2]) == 10
    assert by_caller[1][0].reasons[0].message == "random verification floor: 10% of this caller's completes"
    assert by_caller[2][0].reasons[0].message == "random verification floor for a new caller: 20% of completes"


@pytest.mark.parametrize("floor, new_floor, message", [
    (0.04, 0.20, "floor must be between 5% and 15%"), (0.16, 0.20, "floor must be between 5% and 15%"),
    (0.10, 0.08, "new_floor must be at least the floor"), (0.10, 1.5, "new_floor must be at least the floor"),
])
def test_floors_outside_their_range_are_refused_with_a_clear_message(floor, new_floor, message):
    with pytest.raises(ValueError, match=message):
        select_interviews([], seed=0, floor=floor, new_floor=new_floor)


# --- risk ----------------------------------------------------------------------------------------------

def test_risky_interviews_off_the_floor_are_added_highest_first_with_their_reasons():
    records = team({1: 20})
    assessments = calm(records)
    signal = Reason("short_interview", 0.2, "interview lasted %(share)d%% of the time its questions need",
                    {"share": 20})
    for id, risk in ((3, 0.6), (7, 0.9), (11, 0.5), (15, 0.49)):
        assessments[id] = Assessment(id, 1, (signal,), risk)
    picks = select_interviews(records, seed=4, assessments=assessments)
    floor = {p.target_id for p in picks if p.rule == "floor"}
    risky = [p for p in picks if p.rule == "risk"]
    assert len(floor) == 2
    assert [p.target_id for p in risky] == [i for i in (7, 3, 11) if i not in floor]  # 0.49 is under 0.5
    assert all(p.reasons == (signal,) and p.risk >= 0.5 for p in risky)
    capped = select_interviews(records, seed=4, assessments=assessments, max_risk=1)
    assert len([p for p in capped if p.rule == "risk"]) == 1


def test_a_risky_interview_drawn_by_the_floor_stays_a_floor_pick_and_shows_its_signals():
    records = team({1: 10})
    signal = Reason("no_dial", 1.0, "no dial record of this caller matches the interview")
    assessments = {i.id: Assessment(i.id, 1, (signal,), 0.5) for i in records}  # all risky
    picks = select_interviews(records, seed=0, assessments=assessments)
    (floor,) = [p for p in picks if p.rule == "floor"]
    assert [r.kind for r in floor.reasons] == ["floor", "no_dial"]
    assert len(picks) == 10 and len({p.target_id for p in picks}) == 10


# --- issues ------------------------------------------------------------------------------------------

def issues() -> list[IssueRecord]:
    out = [IssueRecord(k, "water", "rectified") for k in range(1, 11)]  # 10 rectified → 2 drawn
    out += [IssueRecord(k, "roads", "reviewed") for k in range(11, 14)]  # 3 → 1 (at least one)
    out += [IssueRecord(14, "schools", "assigned")]  # nothing reported rectified: no share pick
    out += [IssueRecord(15, "schools", "assigned", ("callback_not_solved",)),
            IssueRecord(16, "roads", "assigned", ("repeat_complaint", "made_up_reason"))]
    out += [IssueRecord(20 + k, "parks", "assigned", cluster_id=7, cluster_size=5) for k in range(5)]
    out += [IssueRecord(30 + k, "parks", "assigned", cluster_id=8, cluster_size=3) for k in range(3)]
    out += [IssueRecord(40, "parks", "assigned", cluster_id=9, cluster_size=1)]  # alone: not a cluster
    return out


def test_issue_picks_take_a_share_per_department_every_doubtful_one_and_cluster_representatives():
    picks = select_issues(issues(), seed=3, top_clusters=5)
    by_rule: dict[str, list[int]] = {}
    for p in picks:
        by_rule.setdefault(p.rule, []).append(p.target_id)
    assert len([i for i in by_rule["share"] if i <= 10]) == 2
    assert len([i for i in by_rule["share"] if 11 <= i <= 13]) == 1
    assert by_rule["doubtful"] == [15, 16]
    assert len(by_rule["cluster"]) == 2 and {i // 10 for i in by_rule["cluster"]} == {2, 3}
    assert 14 not in by_rule.get("share", []) and 40 not in by_rule["cluster"]
    (sixteen,) = [p for p in picks if p.target_id == 16]
    assert [r.message for r in sixteen.reasons] == ["the same complaint came again in the next round",
                                                    "doubtful: made_up_reason"]
    (share,) = [p for p in picks if p.rule == "share" and p.target_id >= 11]
    assert share.reasons[0].message == "random 20% of the issues roads reported rectified"


def test_a_cluster_already_picked_is_represented_by_that_pick():
    records = [IssueRecord(1, "parks", "rectified", cluster_id=4, cluster_size=2),
               IssueRecord(2, "parks", "assigned", ("callback_not_solved",), cluster_id=4, cluster_size=2)]
    picks = select_issues(records, seed=0, share=0.2)
    assert [(p.target_id, p.rule, [r.kind for r in p.reasons]) for p in picks] == [
        (1, "share", ["share", "cluster"]), (2, "doubtful", ["callback_not_solved"])]


def test_only_the_largest_clusters_get_a_representative_preferring_one_reported_rectified():
    # clusters 1…5 of sizes 2…6 (issues 10–11, 20–22, …, 50–55), one of cluster 5 reported rectified
    records = [IssueRecord(10 * c + k, "parks", "assigned", cluster_id=c, cluster_size=c + 1)
               for c in range(1, 6) for k in range(c + 1)]
    records[-1] = IssueRecord(99, "parks", "rectified", cluster_id=5, cluster_size=6)
    picks = select_issues(records, seed=0, top_clusters=2, share=0.2)
    clusters = sorted(p.target_id for p in picks if p.rule == "cluster")
    assert [p.target_id for p in picks if p.rule == "share"] == [99]  # the only rectified one, drawn by the share
    assert clusters[0] // 10 == 4 and len(clusters) == 1  # cluster 5 (size 6) is represented by issue 99's pick
    (pick99,) = [p for p in picks if p.target_id == 99]
    assert [r.kind for r in pick99.reasons] == ["share", "cluster"]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.randoms(use_true_random=False))
def test_issue_picks_do_not_depend_on_input_order(seed, shuffler):
    records = issues()
    shuffled = records[:]
    shuffler.shuffle(shuffled)
    assert select_issues(records, seed=seed) == select_issues(shuffled, seed=seed)


def test_issue_share_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="share"):
        select_issues(issues(), seed=0, share=0)
    with pytest.raises(ValueError, match="unique"):
        select_issues([IssueRecord(1, "a", "rectified"), IssueRecord(1, "b", "rectified")], seed=0)


# --- acceptance: simulated callers ---------------------------------------------------------------------

FLOOR = 0.10
HONEST = [Caller(i, speed=s, dk_tendency=d) for i, (s, d) in
          enumerate(zip((1.3, 1.4, 1.5, 1.5, 1.6, 1.7, 1.8, 1.45), (0.8, 1.0, 1.2, 1.0, 0.9, 1.1, 1.0, 1.25),
                        strict=True), start=1)]
SEEDS = range(20)
COMPLETES = 80


def selection_rates(falsifier: str, seed: int) -> tuple[float, float, list]:
    """(falsifier's selection rate, honest callers' selection rate, the picks) for one simulated round."""
    shifts = simulate_team([*HONEST, Caller(9, falsifier=falsifier)], demo_population(seed), COMPLETES, seed=seed)
    records = [i for s in shifts for i in s.interviews]
    picks = select_interviews(records, [s.record for s in shifts], seed=seed, floor=FLOOR)
    picked = {p.target_id for p in picks}
    faked = [i.id in picked for i in records if i.caller_id == 9]
    honest = [i.id in picked for i in records if i.caller_id != 9]
    return float(np.mean(faked)), float(np.mean(honest)), picks


@pytest.fixture(scope="module")
def rounds() -> dict[str, list[tuple[float, float]]]:
    return {kind: [selection_rates(kind, seed)[:2] for seed in SEEDS] for kind in ("blatant", "subtle")}


def test_at_least_90_percent_of_a_blatant_falsifiers_interviews_are_selected(rounds):
    assert min(faked for faked, _ in rounds["blatant"]) >= 0.90


def test_at_least_60_percent_of_a_subtle_falsifiers_interviews_are_selected(rounds):
    assert min(faked for faked, _ in rounds["subtle"]) >= 0.60


def test_honest_callers_stay_within_3_points_of_the_floor_over_20_seeds(rounds):
    for kind in ("blatant", "subtle"):
        honest = np.mean([rate for _, rate in rounds[kind]])
        assert FLOOR <= honest <= FLOOR + 0.03, kind  # ⌈10% of 80⌉ = 8: the floor itself is exact


def test_the_same_seed_gives_the_same_selection():
    _, _, one = selection_rates("subtle", 5)
    _, _, two = selection_rates("subtle", 5)
    assert one == two
    assert [p.target_id for p in one] != [p.target_id for p in selection_rates("subtle", 6)[2]]


def test_picks_of_a_shuffled_simulated_round_are_the_same():
    shifts = simulate_team([*HONEST, Caller(9, falsifier="blatant")], demo_population(2), 30, seed=2)
    records = [i for s in shifts for i in s.interviews]
    callers = [s.record for s in shifts]
    shuffled = records[:]
    random.Random(0).shuffle(shuffled)
    assert select_interviews(records, callers, seed=2) == select_interviews(shuffled, callers[::-1], seed=2)
