"""Quality-control signals: what each one catches, where its threshold lies, how the risk combines them."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from survey.quality import WEIGHTS, CallerRecord, InterviewRecord, Reason, assess, interview_signals, risk_score
from survey.quality.peers import answer_distribution, caller_pace, coached_answers, rao_scott, rate_outliers
from survey.quality.signals import previous_ends

INDICATORS = ("public_security", "healthcare", "schooling", "environment", "jobs_income", "social_security",
              "transport", "gov_services", "food_drug", "housing", "culture_sport", "officials_conduct")
VARIED = ("satisfied", "fairly_satisfied", "neutral", "satisfied", "fairly_satisfied", "dissatisfied",
          "satisfied", "fairly_satisfied", "neutral", "fairly_dissatisfied", "satisfied", "fairly_satisfied")


def interview(id: int = 1, caller: int = 1, *, seconds: float = 150.0, ratings=None, **overrides) -> InterviewRecord:
    """An unremarkable interview: 14 questions needing 100 s, answered in ``seconds``, varied ratings."""
    base = dict(id=id, caller_id=caller, stratum="chengzhong|urban", district="chengzhong", started_at=1000.0 * id,
                ended_at=1000.0 * id + seconds, needed_seconds=100.0,
                question_seconds={f"q{k}": 10.0 for k in range(14)},
                ratings=dict(zip(INDICATORS, VARIED, strict=True)) if ratings is None else ratings,
                asked=14, unanswered=0)
    return InterviewRecord(**{**base, **overrides})


def kinds(reasons) -> set[str]:
    return {r.kind for r in reasons}


# --- one interview -----------------------------------------------------------------------------------

def test_an_unremarkable_interview_raises_nothing():
    assert interview_signals(interview(), peer_pace=1.5, previous_end=500.0) == []


def test_an_interview_shorter_than_half_its_need_is_flagged_with_its_share():
    (short,) = [r for r in interview_signals(interview(seconds=25)) if r.kind == "short_interview"]
    assert short.value == pytest.approx(0.25)
    assert short.message == "interview lasted 25% of the time its questions need"
    assert short.template == "interview lasted %(share)d%% of the time its questions need"  # what gets translated
    assert "short_interview" not in kinds(interview_signals(interview(seconds=50)))  # exactly half is not "below"


def test_questions_faster_than_the_floor_are_flagged_when_they_are_many():
    # mean need per question 100/14 = 7.14 s; the floor is 40% of it, 2.86 s
    fast = {f"q{k}": (2.0 if k < 5 else 10.0) for k in range(14)}
    (signal,) = interview_signals(interview(question_seconds=fast))
    assert signal.kind == "fast_questions" and signal.value == pytest.approx(5 / 14)
    assert signal.message == "5 of 14 questions took less than 2.9 s"
    four = {f"q{k}": (2.0 if k < 4 else 10.0) for k in range(14)}  # 4/14 = 29% < 30%
    assert interview_signals(interview(question_seconds=four)) == []
    assert interview_signals(interview(question_seconds={"q1": 1.0, "q2": 1.0})) == []  # too few timed to judge


def test_an_interview_much_faster_than_the_other_callers_is_flagged():
    # pace = 150/100 = 1.5; other callers take 2.2 → 68% of their time
    (signal,) = interview_signals(interview(), peer_pace=2.2)
    assert signal.kind == "fast_pace" and signal.value == pytest.approx(1.5 / 2.2)
    assert signal.message == "interview took 68% of the time other callers take for the same questions"
    assert interview_signals(interview(), peer_pace=2.1) == []  # 71%


def test_straight_lining_needs_three_quarters_of_at_least_six_ratings_on_one_answer():
    nine = dict(zip(INDICATORS, ["satisfied"] * 9 + ["neutral", "dissatisfied", "fairly_satisfied"], strict=True))
    (signal,) = interview_signals(interview(ratings=nine))
    assert signal.kind == "straight_lining" and signal.value == 0.75
    assert signal.message == "9 of 12 rated indicators have the same answer"
    eight = {**nine, "jobs_income": "neutral"}
    assert interview_signals(interview(ratings=eight)) == []
    five_same = {code: "satisfied" for code in INDICATORS[:5]}
    assert interview_signals(interview(ratings=five_same)) == []  # too few ratings to call it straight-lining


def test_dont_know_counts_against_every_indicator_asked():
    half = {code: (None if k % 2 else "satisfied") for k, code in enumerate(INDICATORS)}
    assert "many_dont_know" in kinds(interview_signals(interview(ratings=half)))
    (dk,) = [r for r in interview_signals(interview(ratings=half)) if r.kind == "many_dont_know"]
    assert dk.message == "50% of the indicators answered “don't know”"
    fewer = {**half, "healthcare": "neutral"}  # 5 of 12
    assert "many_dont_know" not in kinds(interview_signals(interview(ratings=fewer)))


def test_item_nonresponse_from_a_fifth_of_the_applicable_questions():
    (signal,) = interview_signals(interview(unanswered=3))  # 3/14 = 21%
    assert signal.kind == "item_nonresponse" and signal.message == "3 of 14 applicable questions left unanswered"
    assert interview_signals(interview(unanswered=2)) == []  # 14%


def test_gaps_and_overlaps_with_the_same_callers_previous_interview():
    one = interview(id=5)  # starts at 5000
    (gap,) = interview_signals(one, previous_end=4990.0)
    assert gap.kind == "short_gap" and gap.value == 10 and gap.message.startswith("began 10 s after")
    (overlap,) = interview_signals(one, previous_end=5030.0)
    assert overlap.kind == "overlap" and overlap.message == "overlaps the same caller's previous interview by 30 s"
    assert interview_signals(one, previous_end=4985.0) == []  # 15 s is enough to dial and introduce


def test_a_complete_without_a_matching_dial_is_flagged():
    (signal,) = interview_signals(interview(dialled=False))
    assert signal.kind == "no_dial" and signal.message == "no dial record of this caller matches the interview"


def test_the_previous_end_is_the_latest_end_of_the_same_callers_earlier_interviews_in_any_input_order():
    long = interview(id=1, started_at=0.0, ended_at=500.0)
    short = interview(id=2, started_at=100.0, ended_at=200.0)
    later = interview(id=3, started_at=400.0, ended_at=600.0)
    other_caller = interview(id=4, caller=2, started_at=550.0, ended_at=700.0)
    records = [later, other_caller, short, long]
    assert previous_ends(records) == {1: None, 2: 500.0, 3: 500.0, 4: None}


# --- risk ----------------------------------------------------------------------------------------------

def reason(kind: str) -> Reason:
    return Reason(kind, 1.0, "x")


def test_risk_combines_signals_as_independent_evidence():
    assert risk_score([]) == 0.0
    assert risk_score([reason("short_interview")]) == pytest.approx(0.6)
    assert risk_score([reason("short_interview"), reason("straight_lining")]) == pytest.approx(1 - 0.4 * 0.7)
    assert risk_score([reason("straight_lining"), reason("straight_lining")]) == pytest.approx(0.3)  # kinds, once
    assert risk_score([reason("no_such_signal")]) == 0.0


def test_one_weak_signal_stays_below_the_selection_threshold_and_two_reach_it():
    weak = [k for k, w in WEIGHTS.items() if w <= 0.3]
    assert all(risk_score([reason(k)]) < 0.5 for k in weak)
    assert risk_score([reason("fast_pace"), reason("straight_lining")]) >= 0.5
    assert risk_score([reason("overlap")]) >= 0.5 and risk_score([reason("no_dial")]) >= 0.5


@given(st.lists(st.sampled_from(sorted(WEIGHTS)), max_size=8), st.sampled_from(sorted(WEIGHTS)))
def test_risk_is_a_probability_and_another_signal_never_lowers_it(raised, extra):
    before = risk_score([reason(k) for k in raised])
    after = risk_score([reason(k) for k in [*raised, extra]])
    assert 0.0 <= before <= after < 1.0


# --- the Rao–Scott test ------------------------------------------------------------------------------

def test_with_one_yes_no_answer_per_interview_the_test_is_the_unpooled_wald_test():
    own = np.array([[1, 0]] * 8 + [[0, 1]] * 2, dtype=float)  # 80% yes of 10
    peers = np.array([[1, 0]] * 10 + [[0, 1]] * 10, dtype=float)  # 50% of 20
    p, params = rao_scott(own, peers)
    variance = 0.8 * 0.2 / 9 + 0.5 * 0.5 / 19  # shares' variances with n − 1, as linearisation gives
    assert params["chisq"] == pytest.approx(0.3 ** 2 / variance)
    assert params["df"] == pytest.approx(1.0)
    assert p == pytest.approx(sps.chi2.sf(0.3 ** 2 / variance, 1))


@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=2, max_value=6))
def test_answers_repeated_within_an_interview_add_no_evidence(seed, repeats):
    rng = np.random.default_rng(seed)
    own = np.eye(3)[rng.integers(0, 3, 15)]
    peers = np.eye(3)[rng.integers(0, 3, 40)]
    single = rao_scott(own, peers)
    repeated = rao_scott(own * repeats, peers * repeats)
    assert (single is None) == (repeated is None)
    if single is not None:
        assert repeated[1]["chisq"] == pytest.approx(single[1]["chisq"])
        assert repeated[0] == pytest.approx(single[0])


# --- callers against their peers ----------------------------------------------------------------------

SHARES = [0.45, 0.33, 0.13, 0.05, 0.04]
OPTIONS = ["satisfied", "fairly_satisfied", "neutral", "fairly_dissatisfied", "dissatisfied"]


def honest_team(callers: int = 6, each: int = 30, *, seed: int = 3) -> list[InterviewRecord]:
    """Interviews whose answers all come from one distribution (a person effect correlates them)."""
    rng = np.random.default_rng(seed)
    out = []
    for caller in range(1, callers + 1):
        for _ in range(each):
            content = rng.normal(0, 0.6)
            shares = np.array(SHARES) * np.exp(-content * np.arange(5))
            answers = rng.choice(OPTIONS, size=12, p=shares / shares.sum())
            out.append(interview(len(out) + 1, caller, ratings=dict(zip(INDICATORS, answers, strict=True)),
                                 district=["chengzhong", "huxi"][len(out) % 2]))
    return out


def test_a_caller_whose_answers_are_all_satisfied_is_flagged_and_left_out_of_the_reference():
    team = honest_team(seed=11)
    faker = [interview(1000 + k, 9, ratings={c: "satisfied" for c in INDICATORS}) for k in range(20)]
    flagged, reference = answer_distribution(sorted(team + faker, key=lambda r: r.id))
    assert set(flagged) == {9} and reference == frozenset(range(1, 7))
    assert flagged[9].kind == "answer_distribution" and flagged[9].value < 0.05
    assert flagged[9].message.startswith("answers differ from the other callers' (χ² ")


def test_callers_answering_from_the_same_population_are_not_flagged():
    flagged, reference = answer_distribution(honest_team(seed=11))
    assert flagged == {} and reference == frozenset(range(1, 7))


def test_outlier_refusal_rates_are_flagged_in_either_direction_but_small_differences_are_not():
    peers = [CallerRecord(c, False, dials=300, contacts=100, refusals=30, ineligible=5, completes=60)
             for c in range(1, 6)]
    none = CallerRecord(6, False, dials=300, contacts=100, refusals=0, ineligible=5, completes=90)
    many = CallerRecord(7, False, dials=300, contacts=100, refusals=70, ineligible=5, completes=20)
    slightly = CallerRecord(8, False, dials=300, contacts=100, refusals=40, ineligible=5, completes=50)
    found = rate_outliers([*peers, none, many, slightly])
    assert set(found) == {6, 7}
    (low,) = found[6]
    assert low.kind == "refusal_rate" and low.value == 0.0
    # against the callers not flagged: (30·5 + 40) refusals in 600 contacts = 32%
    assert low.message.startswith("refusal rate 0% against 32% for the other callers (FDR-adjusted p ")
    assert low.params["q"] >= sps.fisher_exact([[0, 100], [190, 410]]).pvalue  # BH only raises p
    assert found[7][0].params["rate"] == 70


def test_a_caller_much_faster_than_the_others_is_flagged():
    team = [interview(k, 1 + k % 3) for k in range(1, 31)]  # pace 1.5
    fast = [interview(100 + k, 9, seconds=60) for k in range(12)]  # pace 0.6
    signals = caller_pace(team + fast)
    assert set(signals) == {9} and signals[9].value == pytest.approx(0.4)
    assert signals[9].message == ("this caller's interviews take 40% of the time other callers take "
                                  "for the same questions")


def test_a_pattern_repeated_far_beyond_the_peers_share_is_coached():
    team = honest_team()
    same = {c: "satisfied" for c in INDICATORS}
    coached = [interview(1000 + k, 9, ratings=same, district="huxi") for k in range(8)]
    varied = [interview(2000 + k, 9, ratings=dict(zip(INDICATORS, random.Random(k).sample(VARIED, 12), strict=True)),
                        district="huxi") for k in range(4)]
    found = coached_answers(team + coached + varied, frozenset(range(1, 7)))
    assert set(found) == {r.id for r in coached}
    signal = found[1000]
    assert signal.params["count"] == 8 and signal.params["total"] == 12 and signal.params["district"] == "huxi"
    assert signal.message.startswith("8 of this caller's 12 interviews in huxi gave identical answers")


def test_a_few_repeats_of_a_common_pattern_are_not_coached():
    team = honest_team()
    same = {c: "satisfied" for c in INDICATORS}
    team += [interview(1000 + k, c, ratings=same, district="huxi") for c in (1, 2, 3) for k in range(2)]
    assert coached_answers(team, frozenset(range(1, 7))) == {}


# --- all together ------------------------------------------------------------------------------------

def test_assess_adds_the_callers_signals_to_each_of_its_interviews_whatever_the_input_order():
    team = honest_team()
    faker = [interview(1000 + k, 9, seconds=20, ratings={c: "satisfied" for c in INDICATORS}, dialled=False)
             for k in range(15)]
    records = team + faker
    callers = [CallerRecord(c, False, 300, 100, 30, 5, 30) for c in range(1, 7)]
    callers.append(CallerRecord(9, False, 20, 20, 0, 0, 15))
    result = assess(records, callers)
    shuffled = records[:]
    random.Random(1).shuffle(shuffled)
    assert assess(shuffled, list(reversed(callers))) == result
    fake = result[1000]
    assert {"short_interview", "straight_lining", "no_dial", "answer_distribution", "caller_fast_pace",
            "coached_answers", "refusal_rate"} <= kinds(fake.signals)
    assert fake.risk > 0.95
    assert math.isclose(fake.risk, risk_score(fake.signals))
    honest_risks = [a.risk for a in result.values() if a.caller_id != 9]
    assert max(honest_risks) < 0.5


def test_duplicate_interview_ids_are_refused():
    with pytest.raises(ValueError, match="unique"):
        assess([interview(1), replace(interview(1), caller_id=2)])
