"""The simulated population and callers: the truth they carry, the fieldwork they make, the falsifiers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from survey.fieldwork.processing import SECONDS_NEEDED
from survey.simulation.callers import Caller, simulate_shift, simulate_team
from survey.simulation.complaints import PLACES
from survey.simulation.population import (
    CONTACT_OUTCOMES,
    DEMO_UNITS,
    INDICATORS,
    OUTCOMES,
    SCALE,
    SCORES,
    Respondent,
    demo_population,
)

SEEDS = Path(__file__).parents[2] / "seeds"
CITY = json.loads((SEEDS / "demo_city.json").read_text(encoding="utf-8"))
QUESTIONNAIRE = json.loads((SEEDS / "demo_questionnaire.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def population():
    return demo_population(7)


def test_the_model_uses_the_demo_citys_units_indicators_and_option_codes():
    assert [u.code for u in DEMO_UNITS] == [u["code"] for u in CITY["units"]]
    assert [(u.population, u.urban_share) for u in DEMO_UNITS] == [(u["population"], u["urban_share"])
                                                                    for u in CITY["units"]]
    scales = [q for q in QUESTIONNAIRE["questions"] if q["type"] == "scale"]
    assert tuple(q["indicator"] for q in scales) == INDICATORS
    for q in scales:
        read = [o for o in q["options"] if not o.get("dont_know")]
        assert tuple(o["code"] for o in read) == SCALE and [o["score"] for o in read] == SCORES.tolist()


# --- the truth -----------------------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_truth_and_another_seed_another(population):
    assert demo_population(7).true_scores() == population.true_scores()
    assert demo_population(8).true_scores() != population.true_scores()


def test_true_scores_differ_by_district_and_indicator_and_land_around_the_80s(population):
    scores = population.true_scores()
    grid = np.array([[scores[(d, j)] for j in INDICATORS] for d in population.districts])
    assert 75 <= grid.mean() <= 88
    assert np.ptp(grid.mean(axis=1)) > 2 and np.ptp(grid.mean(axis=0)) > 5
    assert grid.min() > 55 and grid.max() < 97


def test_share_vectors_are_probabilities_and_the_true_score_is_their_expected_score(population):
    shares = population.probabilities()
    assert shares.shape == (6, 12, 5) and np.allclose(shares.sum(axis=-1), 1) and (shares > 0).all()
    d, j = population.districts.index("huxi"), INDICATORS.index("transport")
    assert population.true_scores()[("huxi", "transport")] == pytest.approx(float(shares[d, j] @ [100, 80, 60, 40, 0]))
    assert population.true_rates()[("huxi", "transport")] == pytest.approx(float(shares[d, j, :2].sum()))


def test_answers_of_a_districts_adults_average_to_its_true_score(population):
    rng = np.random.default_rng(1)
    answers = []
    while len(answers) < 6000:
        person = population.draw_person(rng)
        if person.district == "qingping":
            answers.append(population.answer(person, rng)["jobs_income"])
    score = dict(zip(SCALE, SCORES, strict=True))
    valid = [score[a] for a in answers if a is not None]
    assert np.mean(valid) == pytest.approx(population.true_scores()[("qingping", "jobs_income")], abs=1.5)
    assert 0.02 < answers.count(None) / len(answers) < 0.10  # "don't know" is excluded, not scored


def test_drift_moves_every_cell_a_little_and_is_reproducible(population):
    assert population.drift(1).true_scores() == population.true_scores()
    one, two = population.true_scores(), population.drift(2).true_scores()
    change = np.array([two[k] - one[k] for k in one])
    assert (change != 0).all() and 0.5 < np.abs(change).mean() < 5
    assert population.drift(2).true_scores() == demo_population(7).drift(2).true_scores()
    assert population.drift(3).true_scores() != two
    with pytest.raises(ValueError):
        population.drift(0)


# --- fieldwork -------------------------------------------------------------------------------------------

def test_outcome_shares_follow_the_fieldwork_figures_on_average_and_move_with_propensity(population):
    rng = np.random.default_rng(2)
    people = [population.draw_person(rng) for _ in range(4000)]
    complete = np.mean([population.outcome_probabilities(p)["complete"] for p in people])
    assert complete == pytest.approx(OUTCOMES["complete"], abs=0.01)
    for p in people[:50]:
        assert sum(population.outcome_probabilities(p).values()) == pytest.approx(1.0)
    young = population.response_propensity(Respondent("hedong", True, "18-29"))
    old = population.response_propensity(Respondent("hedong", True, "60+"))
    rural = population.response_propensity(Respondent("hedong", False, "18-29"))
    assert young < old and young < rural


def test_about_22_percent_of_respondents_complain_in_chinese_naming_places_of_their_district(population):
    rng = np.random.default_rng(3)
    said = []
    for person in population.draw_respondents(3000, rng):
        said.append((person, population.complaints(person, population.answer(person, rng), rng)))
    assert 0.18 < np.mean([bool(c) for _, c in said]) < 0.26
    texts = [(p.district, text) for p, complaints in said for _, text in complaints]
    places = {d: {name for names in kinds.values() for name in names} for d, kinds in PLACES.items()}
    every = set().union(*places.values())
    naming = [(district, text) for district, text in texts if any(name in text for name in every)]
    assert len(naming) > 0.8 * len(texts)  # a few templates name no place ("图书馆开放时间太短")
    assert all(any(name in text for name in places[district]) for district, text in naming)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for _, text in texts)
    assert len({t for _, t in texts}) < len(texts)  # the same complaint comes up more than once


def test_complaints_become_likelier_the_more_dissatisfied(population):
    rng = np.random.default_rng(4)
    person = Respondent("huxi", False, "45-59")
    content = {j: "satisfied" for j in INDICATORS}
    angry = {j: "dissatisfied" for j in INDICATORS}
    rate = [np.mean([bool(population.complaints(person, r, rng)) for _ in range(400)]) for r in (content, angry)]
    assert rate[0] < 0.1 < 0.9 < rate[1]


# --- callers ---------------------------------------------------------------------------------------------

def test_a_caller_must_be_honest_blatant_or_subtle():
    with pytest.raises(ValueError, match="falsifier"):
        Caller(1, falsifier="sloppy")


def paces(shift) -> np.ndarray:
    return np.array([i.duration / i.needed_seconds for i in shift.interviews])


def test_an_honest_callers_shift_is_real_fieldwork(population):
    shift = simulate_shift(Caller(3, speed=1.5), population, 60, seed=11)
    interviews = shift.interviews
    assert len(interviews) == 60 and [i.id for i in interviews] == list(range(1, 61))
    assert all(i.dialled for i in interviews)
    matched = {d.interview_id for d in shift.dials if d.outcome == "complete"}
    assert matched == {i.id for i in interviews}
    assert 2.5 < len(shift.dials) / len(interviews) < 3.8  # about 3 dials per complete
    assert 1.4 < np.median(paces(shift)) < 2.0  # SECONDS_NEEDED × speed, plus the introduction
    gaps = np.diff([i.started_at for i in interviews]) - [i.duration for i in interviews[:-1]]
    gaps = gaps[gaps < 6 * 3600]  # leave out the nights between evenings
    assert gaps.min() >= 15 and 60 < np.median(gaps) < 400  # a few minutes
    local = [((i.started_at + 8 * 3600) % 86_400) / 3600 for i in interviews]
    assert min(local) >= 18 and max(local) < 21.5
    needed = SECONDS_NEEDED["number"] + SECONDS_NEEDED["single"] + 12 * SECONDS_NEEDED["scale"] + SECONDS_NEEDED["text"]
    assert min(i.needed_seconds for i in interviews) >= needed
    record = shift.record
    assert record.completes == 60 and record.dials == len(shift.dials)
    assert record.contacts >= record.refusals + record.ineligible + record.completes


def test_the_same_seed_gives_the_same_shift(population):
    one = simulate_shift(Caller(2), population, 20, seed=5)
    assert simulate_shift(Caller(2), population, 20, seed=5) == one
    assert simulate_shift(Caller(2), population, 20, seed=6) != one


def test_a_blatant_falsifier_types_short_satisfied_interviews_often_without_a_dial(population):
    shift = simulate_shift(Caller(9, falsifier="blatant"), population, 80, seed=1)
    assert all(dict(i.ratings) == {j: "satisfied" for j in INDICATORS} for i in shift.interviews)
    assert 0.2 < np.median(paces(shift)) < 0.32
    assert 0.3 < np.mean([not i.dialled for i in shift.interviews]) < 0.7
    assert shift.record.refusals == 0


def test_a_subtle_falsifier_is_at_60_percent_of_the_honest_pace_with_half_the_items_straight_lined(population):
    honest = simulate_shift(Caller(1), population, 80, seed=1)
    subtle = simulate_shift(Caller(2, falsifier="subtle"), population, 80, seed=1)
    assert np.median(paces(subtle)) / np.median(paces(honest)) == pytest.approx(0.6, abs=0.07)
    for interview in subtle.interviews:
        top = max(list(interview.ratings.values()).count(option) for option in SCALE)
        assert top >= 6
    assert all(i.dialled for i in subtle.interviews)
    assert subtle.record.refusals / subtle.record.contacts < honest.record.refusals / honest.record.contacts


def test_a_team_numbers_interviews_across_callers(population):
    shifts = simulate_team([Caller(1), Caller(2), Caller(5, new=True)], population, {1: 3, 2: 0, 5: 4}, seed=0)
    assert [[i.id for i in s.interviews] for s in shifts] == [[1, 2, 3], [], [4, 5, 6, 7]]
    assert shifts[2].record.new and all(i.caller_id == 5 for i in shifts[2].interviews)
    assert all(i.stratum in {f"{u.code}|{k}" for u in DEMO_UNITS for k in ("urban", "rural")}
               for s in shifts for i in s.interviews)
    assert {d.outcome for s in shifts for d in s.dials} <= set(OUTCOMES) and "complete" in CONTACT_OUTCOMES
