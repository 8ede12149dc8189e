"""Small examples worked by hand (fractions in the comments), and textbook identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from survey.errors import ValidationError
from survey.stats import (
    Design,
    Estimate,
    aapor_rates,
    adjust_nonresponse,
    composite_index,
    difference,
    estimate_e,
    kish_deff,
    poststratify,
    rake,
)

# Stratum A: N = 10, y = 1, 2, 3 (w = 10/3); stratum B: N = 20, y = 4, 6 (w = 10).
STRATA = ["A", "A", "A", "B", "B"]
WEIGHTS = [10 / 3, 10 / 3, 10 / 3, 10, 10]
FPC = [10, 10, 10, 20, 20]
Y = [1.0, 2.0, 3.0, 4.0, 6.0]


@pytest.fixture
def design() -> Design:
    return Design(STRATA, WEIGHTS, FPC)


def test_total_and_its_variance(design):
    # total = 10/3·6 + 10·10 = 120
    # A: z = 10/3, 20/3, 10 → SS about the mean 200/9, × (1 − 3/10)·3/2 = 1.05 → 23 1/3
    # B: z = 40, 60 → SS 200, × (1 − 2/20)·2/1 = 1.8 → 360
    estimate = design.total(Y)
    assert estimate.value == pytest.approx(120)
    assert estimate.se ** 2 == pytest.approx(70 / 3 + 360)


def test_mean_is_a_ratio_and_its_variance_linearised(design):
    # mean = 120 / 30 = 4; z = w(y − 4)/30: A (−1/3, −2/9, −1/9) → SS 2/81 × 1.05; B (0, 2/3) → SS 2/9 × 1.8
    estimate = design.mean(Y)
    assert estimate.value == pytest.approx(4)
    assert estimate.se ** 2 == pytest.approx(34.5 / 81)
    assert estimate.n == 5


def test_normal_and_t_quantiles_are_exact(design):
    estimate = design.mean(Y)
    assert (estimate.ci_high - estimate.value) / estimate.se == pytest.approx(sps.norm.ppf(0.975), rel=1e-15)
    with_t = design.mean(Y, df=design.df)
    assert design.df == 3
    assert (with_t.ci_high - with_t.value) / with_t.se == pytest.approx(sps.t.ppf(0.975, 3), rel=1e-15)


def test_a_domain_is_zero_outside_not_dropped(design):
    # Domain = rows 1 and 4 (y = 1 and 4): mean = (10/3 + 40)/(10/3 + 10) = 3.25. Dropping the other
    # rows would make A a lonely stratum; R keeps them with z = 0.
    domain = np.array([True, False, False, True, False])
    z = np.array([10 / 3 * (1 - 3.25), 0, 0, 10 * (4 - 3.25), 0]) / (40 / 3)
    a, b = z[:3], z[3:]
    expected = 1.05 * np.sum((a - a.mean()) ** 2) + 1.8 * np.sum((b - b.mean()) ** 2)
    estimate = design.mean(Y, domain)
    assert estimate.value == pytest.approx(3.25)
    assert estimate.se ** 2 == pytest.approx(expected)


def test_a_lonely_stratum_is_centred_at_zero_and_flagged():
    design = Design(["A", "A", "B"], [5, 5, 10], [10, 10, 20])
    estimate = design.mean([1.0, 3.0, 5.0])
    # mean = (5 + 15 + 50)/20 = 3.5; z = (−0.625, −0.125, 0.75); A: SS 0.125 × (1 − 2/10)·2 = 0.2;
    # B (one respondent): 0.75² × (1 − 1/20) = 0.534375
    assert estimate.se ** 2 == pytest.approx(0.2 + 0.534375)
    assert estimate.lonely_strata == ("B",)


def test_a_census_has_no_sampling_error():
    design = Design(["A", "A", "B", "B"], [1, 1, 1, 1], [2, 2, 2, 2])
    assert design.mean([1.0, 5.0, 2.0, 9.0]).se == 0


def test_wilson_interval_solves_the_score_equation():
    # One stratum of 100 equal weights without fpc, 30 ones: Var(p̂) = p̂(1−p̂)/99, so n* = 99.
    y = np.r_[np.ones(30), np.zeros(70)]
    estimate = Design(np.zeros(100), np.ones(100)).proportion(y, ci="wilson")
    z, n, p = sps.norm.ppf(0.975), 99, 0.3
    for bound in (estimate.ci_low, estimate.ci_high):
        assert (p - bound) ** 2 == pytest.approx(z * z * bound * (1 - bound) / n, rel=1e-12)


def test_all_satisfied_is_not_reported_as_certainty():
    design = Design(np.zeros(37), np.ones(37))
    for method in ("logit", "wilson", "korn-graubard"):
        estimate = design.proportion(np.ones(37), ci=method)
        assert estimate.value == 1 and estimate.ci_high == 1
        assert 0.85 < estimate.ci_low < 1, method
    # Clopper–Pearson for 37 of 37: lower bound (α/2)^(1/37)
    assert design.proportion(np.ones(37), ci="logit").ci_low == pytest.approx(0.025 ** (1 / 37))


def test_difference_between_independent_rounds():
    later = Estimate(80.0, 1.2, 0, 0, 1, 100)
    earlier = Estimate(78.0, 1.6, 0, 0, 1, 100)
    result = difference(later, earlier)
    assert (result.value, result.se, result.z) == pytest.approx((2.0, 2.0, 1.0))
    assert result.p == pytest.approx(0.31731050786291410, rel=1e-12)  # 2(1 − Φ(1))


def test_composite_of_one_indicator_is_that_indicator(design):
    scores = np.column_stack([Y, [np.nan] * 5])
    composite = composite_index(design, scores, [1.0, 0.0])
    single = design.mean(Y)
    assert (composite.value, composite.se) == pytest.approx((single.value, single.se))


def test_composite_weights_must_add_up_to_one(design):
    with pytest.raises(ValidationError, match="add up to 1"):
        composite_index(design, np.column_stack([Y, Y]), [0.5, 0.6])


def test_kish_deff():
    assert kish_deff([1, 1, 2, 2]) == pytest.approx(4 * 10 / 36)
    assert kish_deff([3, 3, 3]) == pytest.approx(1)


def test_nonresponse_adjustment_by_stratum_gives_population_over_respondents():
    # A: N = 100, 4 released (base weight 25), 2 responded → 50 each; B: N = 60, 3 released, 3 responded.
    design = Design(["A"] * 4 + ["B"] * 3, [25] * 4 + [20] * 3, [100] * 4 + [60] * 3)
    responded = [True, False, True, False, True, True, True]
    adjusted = adjust_nonresponse(design, ["A"] * 4 + ["B"] * 3, responded)
    assert adjusted.n == 5
    assert adjusted.weights.tolist() == pytest.approx([50, 50, 20, 20, 20])


def test_nonresponse_class_without_respondents_is_a_clear_error():
    design = Design(["A", "A", "B"], [1, 1, 1])
    with pytest.raises(ValidationError, match="class B has no respondents"):
        adjust_nonresponse(design, ["A", "A", "B"], [True, True, False])


def test_post_stratified_weights_hit_the_totals(design):
    adjusted = poststratify(design, ["x", "y", "x", "y", "y"], {"x": 12, "y": 18})
    assert adjusted.weights[[0, 2]].sum() == pytest.approx(12)
    assert adjusted.weights[[1, 3, 4]].sum() == pytest.approx(18)


def test_post_stratum_without_population_total_is_named(design):
    with pytest.raises(ValidationError) as raised:
        poststratify(design, ["x", "y", "x", "y", "z"], {"x": 12, "y": 18})
    assert "'z'" in raised.value.details[0]["message"]


def test_raking_hits_every_margin(design):
    sex = ["M", "F", "M", "F", "M"]
    age = ["young", "young", "old", "old", "old"]
    raked = rake(design, [(sex, {"M": 16, "F": 14}), (age, {"young": 11, "old": 19})])
    w = raked.weights
    assert w[[0, 2, 4]].sum() == pytest.approx(16, rel=1e-10)
    assert w[[0, 1]].sum() == pytest.approx(11, rel=1e-10)


def test_raking_to_margins_with_different_populations_is_refused(design):
    with pytest.raises(ValidationError, match="same population"):
        rake(design, [(["M"] * 5, {"M": 30}), (["o"] * 5, {"o": 31})])


def test_aapor_rates_by_hand():
    counts = {"I": 320, "P": 10, "R": 220, "NC": 20, "O": 5, "UH": 260, "UO": 30}
    e = estimate_e(counts, not_eligible=150)
    assert e == pytest.approx(575 / 725)
    rates = aapor_rates(counts, e)
    assert rates["RR1"] == pytest.approx(320 / 865)
    assert rates["RR2"] == pytest.approx(330 / 865)
    assert rates["RR3"] == pytest.approx(320 / (575 + e * 290))
    assert rates["RR5"] == pytest.approx(320 / 575)
    assert rates["RR6"] == pytest.approx(330 / 575)
    assert rates["COOP1"] == pytest.approx(320 / 555)
    assert rates["COOP3"] == pytest.approx(320 / 550)
    assert rates["REF1"] == pytest.approx(220 / 865)
    assert rates["CON1"] == pytest.approx(555 / 865)
    assert rates["CON3"] == pytest.approx(555 / 575)


def test_aapor_rates_without_e_leave_the_e_rates_undefined():
    rates = aapor_rates({"I": 1, "UH": 1})
    assert math.isnan(rates["RR3"]) and rates["RR1"] == 0.5


def test_aapor_unknown_code_is_named():
    with pytest.raises(ValidationError, match="XX"):
        aapor_rates({"I": 1, "XX": 2})


@pytest.mark.parametrize(("strata", "weights", "message"), [
    ([], [], "at least one respondent"),
    (["A", "B"], [1], "one value per respondent"),
    (["A", "B"], [1, -2], "positive"),
    (["A", "B"], [1, float("nan")], "positive"),
])
def test_bad_designs_are_clear_errors(strata, weights, message):
    with pytest.raises(ValidationError, match=message):
        Design(strata, weights)


def test_fpc_smaller_than_the_sample_is_refused():
    with pytest.raises(ValidationError, match="more respondents"):
        Design(["A", "A", "A"], [1, 1, 1], [2, 2, 2])


def test_a_missing_estimate_is_not_a_significant_difference():
    from survey.stats import difference
    from survey.stats.design import Estimate

    nobody = Estimate(math.nan, math.nan, math.nan, math.nan, math.nan, 0, ())
    someone = Estimate(80.0, 2.0, 76.0, 84.0, 1.0, 50, ())
    assert math.isnan(difference(someone, nobody).p) and math.isnan(difference(nobody, someone).p)


def test_a_share_that_is_zero_up_to_rounding_gets_the_exact_interval():
    from survey.stats.intervals import proportion_interval

    for noise in (5.6e-17, -1e-17):
        low, high = proportion_interval(noise, 1e-30, method="logit", level=0.95, df=10, n=12, design_df=10)
        assert low == 0.0 and 0 < high < 0.3  # Clopper–Pearson at 0 of 12, no overflow
    low, high = proportion_interval(1 - 1e-16, 1e-30, method="logit", level=0.95, df=10, n=12, design_df=10)
    assert high == 1.0 and 0.7 < low < 1
