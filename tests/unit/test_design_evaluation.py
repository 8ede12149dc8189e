"""Design evaluation: simulated rounds of an allocation, estimated as reports do, against the population's truth."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from survey.simulation.evaluation import (
    DesignOption,
    closed_form_estimates,
    complete_minutes,
    complete_probability,
    draw_answers,
    evaluate,
    noncomplete_dial_minutes,
    stats_estimates,
    true_values,
)
from survey.simulation.population import DEMO_UNITS, INDICATORS, demo_population

EQUAL_WEIGHTS = np.full(len(INDICATORS), 1 / len(INDICATORS))
POPULATIONS = [u.population for u in DEMO_UNITS]
DEMO = DesignOption("demo: 500 each + proportional", "proportional", 10_400, base=500)


@pytest.fixture(scope="module")
def population():
    return demo_population(7)


@pytest.fixture(scope="module")
def demo(population):
    """The issue's acceptance run: 1,000 replicates of the demo 10,400 design (~9 s)."""
    return evaluate(population, [DEMO], replicates=1000, seed=3)[0]


def _same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-9, equal_nan=True)


def test_closed_form_equals_survey_stats_on_replicates(population):
    allocation = [1582, 1921, 2272, 1812, 1407, 1406]
    answers = draw_answers(population, allocation, 3, seed=5)
    fast = closed_form_estimates(answers, POPULATIONS, EQUAL_WEIGHTS)
    for b in range(3):
        reference, _ = stats_estimates(answers, POPULATIONS, EQUAL_WEIGHTS, b)
        for name in ("district_scores", "district_scores_se", "district_composite", "district_composite_se",
                     "city_scores", "city_scores_se", "city_composite", "city_composite_se"):
            _same(getattr(fast, name)[b], getattr(reference, name)[0])


def test_closed_form_equals_survey_stats_with_unequal_weights_and_an_indicator_nobody_answered(population):
    # Tiny districts with a lot of "don't know": some district × indicator cells have no valid answer.
    dk = replace(population, dont_know=np.full_like(population.dont_know, 0.6))
    answers = draw_answers(dk, [3, 4, 5, 3, 6, 4], 4, seed=2)
    assert any(np.isnan(a).all(axis=1).any() for a in answers)
    weights = np.linspace(1, 2, len(INDICATORS))
    weights /= weights.sum()
    fast = closed_form_estimates(answers, POPULATIONS, weights)
    for b in range(4):
        reference, _ = stats_estimates(answers, POPULATIONS, weights, b)
        # Variances, not SEs: with one valid answer survey.stats' sums leave ~1e-14 where the variance is 0.
        _same(fast.district_scores_se[b] ** 2, reference.district_scores_se[0] ** 2)
        _same(fast.district_composite[b], reference.district_composite[0])
        _same(fast.district_composite_se[b] ** 2, reference.district_composite_se[0] ** 2)
        _same(fast.city_scores[b], reference.city_scores[0])
        _same(fast.city_composite_se[b] ** 2, reference.city_composite_se[0] ** 2)


def test_evaluate_checks_its_first_replicates_against_survey_stats(demo):
    assert demo.checked_replicates == 2
    assert demo.check_max_difference < 1e-9


def test_95_percent_intervals_cover_the_true_values_at_the_nominal_rate(demo):
    # Monte Carlo SD of a coverage share over 1,000 replicates is 0.0069: 0.93–0.97 is ±2.9 SD.
    assert demo.coverage_mc_se == pytest.approx(0.0069, abs=1e-4)
    assert 0.93 <= demo.city.composite_coverage <= 0.97
    assert 0.93 <= demo.district("qingping").composite_coverage <= 0.97
    healthcare = INDICATORS.index("healthcare")
    assert 0.93 <= demo.district("huxi").score_coverages[healthcare] <= 0.97
    assert 0.93 <= demo.city.score_coverage <= 0.97
    for district in demo.districts:  # and no bias to speak of: well under a tenth of the half-width
        assert abs(district.composite_bias) < 0.1 * district.composite_half_width


def test_the_estimand_is_the_expected_score_among_valid_answers(population):
    scores, composite = true_values(population, EQUAL_WEIGHTS)
    truth = population.true_scores()
    assert scores[0, 1] == pytest.approx(truth[("chengzhong", "healthcare")])
    # The city mixes districts by their valid answers (DK excluded per indicator), not by population.
    j = INDICATORS.index("schooling")
    valid = np.array(POPULATIONS) * (1 - population.dont_know[:, j])
    assert scores[-1, j] == pytest.approx(valid @ scores[:-1, j] / valid.sum())
    assert composite[-1] == pytest.approx(scores[-1].mean())
    assert 75 < composite[-1] < 90  # published scores land in the 80s


def test_equal_allocation_is_narrower_in_small_districts_and_wider_for_the_city(population):
    proportional, equal = evaluate(population, [DesignOption("proportional", "proportional", 10_400),
                                                DesignOption("equal", "equal", 10_400)], replicates=100)
    assert proportional.allocation["qingping"] == 1274 and equal.allocation["qingping"] == 1733
    # Same population variance, so half-widths scale as 1/√n: √(1274/1733) = 0.857 in the small districts.
    for code in ("qingping", "huxi"):
        ratio = equal.district(code).composite_half_width / proportional.district(code).composite_half_width
        assert ratio == pytest.approx(0.857, abs=0.02)
    # Hedong, the largest, loses: √(2491/1733) = 1.20.
    ratio = equal.district("hedong").composite_half_width / proportional.district("hedong").composite_half_width
    assert ratio == pytest.approx(1.20, abs=0.03)
    # The city: equal allocation's unequal weights cost Kish's 1 + CV² = H·Σ W_h² = 1.061 in variance, 1.03 in ±.
    ratio = equal.city.composite_half_width / proportional.city.composite_half_width
    assert 1.01 < ratio < 1.05


def test_same_seed_gives_the_same_result_and_options_do_not_disturb_each_other(population):
    small = DesignOption("small", "equal", 600)
    first = evaluate(population, [small], replicates=20, seed=9)[0]
    again = evaluate(population, [DesignOption("other", "proportional", 900), small], replicates=20, seed=9)[1]
    assert json.dumps(first.to_dict()) == json.dumps(again.to_dict())
    other_seed = evaluate(population, [small], replicates=20, seed=10)[0]
    assert other_seed.city.composite_half_width != first.city.composite_half_width


def test_round_two_has_its_own_truth(population):
    one, two = (evaluate(population, [DesignOption("small", "equal", 600)], replicates=5, round_no=r)[0]
                for r in (1, 2))
    assert one.city.composite_true != two.city.composite_true
    assert two.city.composite_true == pytest.approx(true_values(population.drift(2), EQUAL_WEIGHTS)[1][-1])


def test_dials_and_caller_hours_follow_the_outcome_model_and_the_callers_minutes(demo, population):
    p = complete_probability(population)
    assert demo.district("chengzhong").dials == pytest.approx(1582 / p[0])
    assert 2.9 < demo.dials / 10_400 < 3.3  # DOMAIN.md: about 3 dials per complete
    assert noncomplete_dial_minutes() == pytest.approx(1.26, abs=0.01)
    minutes = complete_minutes(population)
    assert np.all((minutes > 3) & (minutes < 6))  # DOMAIN.md: interviews take 3–6 minutes
    hedong = demo.district("hedong")
    expected = ((hedong.dials - 2272) * noncomplete_dial_minutes() + 2272 * minutes[2]) / 60
    assert hedong.caller_hours == pytest.approx(expected)
    assert demo.caller_hours == pytest.approx(sum(d.caller_hours for d in demo.districts))


def test_to_dict_is_json_ready(demo):
    data = json.loads(json.dumps(demo.to_dict()))
    assert data["option"]["base"] == 500
    assert data["allocation"]["hedong"] == 2272
    assert data["city"]["completes"] == 10_400
    assert len(data["districts"]) == 6 and len(data["city"]["score_coverages"]) == len(INDICATORS)


def test_respondents_drawn_as_fieldwork_yields_them_bias_the_estimate_upwards(population):
    # Older and rural people answer more often and are more content: N_h/n_h weights cannot undo that.
    plain, skewed = (evaluate(population, [DesignOption("small", "proportional", 10_400)], replicates=40,
                              nonresponse=flag)[0] for flag in (False, True))
    assert skewed.city.composite_bias > plain.city.composite_bias + 0.05


@pytest.mark.parametrize(("option", "message"), [
    (dict(label="none", method="proportional", completes=0), "completes must be a whole number ≥ 1"),
    (dict(label="quota", method="quota", completes=100), "unknown allocation method 'quota'"),
    (dict(label="steep", method="power", completes=100, power=2.0), "power must be between 0 and 1"),
])
def test_bad_options_are_refused(option, message):
    with pytest.raises(ValueError, match=message):
        DesignOption(**option)


def test_options_the_allocation_cannot_meet_are_refused_before_any_work(population):
    with pytest.raises(ValueError, match=r"'big base'.*a base of 500 in each of 6 strata needs 3000"):
        evaluate(population, [DesignOption("ok", "equal", 600), DesignOption("big base", "equal", 1000, base=500)])
    with pytest.raises(ValueError, match="fewer than 2 completes"):
        evaluate(population, [DesignOption("tiny", "proportional", 8)])
    with pytest.raises(ValueError, match="replicates"):
        evaluate(population, [DesignOption("ok", "equal", 600)], replicates=0)
