"""A round report's statistics: hand-computed on a tiny round, and equal to direct ``survey.stats`` calls."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from survey.errors import ValidationError
from survey.reports.changes import Pair, change_rows
from survey.reports.composite import composites
from survey.reports.figures import DistrictInfo, IndicatorInfo, RoundData, build_figures
from survey.reports.ranking import rank_intervals
from survey.reports.weights import district_margins, nonresponse_design, raked_design
from survey.stats import (
    Design,
    Estimate,
    adjust_nonresponse,
    adjust_pvalues,
    composite_index,
    difference,
    indicator_scores,
    poststratify,
    rake,
    satisfaction_rates,
)
from survey.stats.rounds import DomainEstimates, compare_rounds, estimate_round

NAN = math.nan
Z95 = sps.norm.ppf(0.975)

# The tiny round. Stratum 1: N = 100, 8 numbers released, 4 completes → base weight 100/8 = 12.5, final
# weight 100/4 = 25. Stratum 2: N = 60, 5 released, 2 completes → base 12, final 30. Indicator weights 2 : 1
# → v = (2/3, 1/3). Respondent 2 said "don't know" to indicator 2. District C has no respondents.
STRATA = np.array([1, 1, 1, 1, 2, 2])
POPULATION = {1: 100, 2: 60}
RELEASED = {1: 8, 2: 5}
DISTRICTS = np.array(["A", "A", "A", "B", "B", "B"], dtype=object)
SCORES = np.array([[100, 80], [80, NAN], [60, 60], [100, 100], [40, 80], [80, 60]], dtype=float)
SATISFIED = np.where(np.isnan(SCORES), NAN, SCORES >= 80)
INDICATORS = [IndicatorInfo("safety", "社会治安", "Public security", 2),
              IndicatorInfo("health", "医疗卫生", "Healthcare", 1)]
DISTRICT_INFO = [DistrictInfo("A", "城中区", "Chengzhong", 800_000, 0.9),
                 DistrictInfo("B", "城南区", "Chengnan", 1_050_000, 0.66),
                 DistrictInfo("C", "湖西县", "Huxi", 670_000, 0.48)]
V = np.array([2 / 3, 1 / 3])
WEIGHTS = np.array([25, 25, 25, 25, 30, 30], dtype=float)
FPC = np.array([100, 100, 100, 100, 60, 60], dtype=float)


def tiny(**changes) -> RoundData:
    fields = dict(round_id=1, name="第一轮", strata=STRATA, stratum_population=POPULATION,
                  stratum_released=RELEASED, districts=DISTRICTS, scores=SCORES, satisfied=SATISFIED,
                  indicators=INDICATORS, district_info=DISTRICT_INFO)
    return RoundData(**{**fields, **changes})


def textbook_variance(z: np.ndarray, strata: np.ndarray, population: dict) -> float:
    """DOMAIN.md: Σ_h (1 − n_h/N_h) · n_h/(n_h − 1) · Σ_i (z_hi − z̄_h)², written out plainly."""
    total = 0.0
    for h in np.unique(strata):
        zh = z[strata == h]
        n = len(zh)
        total += (1 - n / population[h]) * n / (n - 1) * np.sum((zh - zh.mean()) ** 2)
    return total


def composite_influence(values: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """z_i = w_i Σ_j v_j (y_ij − S_j)/W_j over the domain's valid answers (0 elsewhere)."""
    valid = ~np.isnan(values) & domain[:, None]
    w = WEIGHTS[:, None] * valid
    means = (w * np.nan_to_num(values)).sum(axis=0) / w.sum(axis=0)
    return (w * np.where(valid, values - means, 0.0) * (V / w.sum(axis=0))).sum(axis=1)


# --- weights ----------------------------------------------------------------------------------------

def test_weights_are_stratum_population_over_completes():
    weighted = nonresponse_design(STRATA, POPULATION, RELEASED)
    assert weighted.design.weights == pytest.approx(WEIGHTS)  # 100/4 and 60/2
    assert weighted.population == 160 and weighted.empty_strata == ()
    sample = build_figures(tiny())["sample"]
    # Kish: n Σw² / (Σw)² = 6 · (4·625 + 2·900) / 160² = 25800 / 25600
    assert sample["deff_weights"] == pytest.approx(25_800 / 25_600)
    assert sample == {**sample, "respondents": 6, "strata": 2, "weight_sum": 160.0, "population": 160.0,
                      "empty_strata": [], "lonely_strata": [], "unassigned": 0}


def test_nonresponse_weighting_equals_adjust_nonresponse_and_poststratifying_on_strata():
    # Every released number as a case with its base weight; 4 of 8 and 2 of 5 responded.
    strata = np.array([1] * 8 + [2] * 5)
    base = np.where(strata == 1, 100 / 8, 60 / 5)
    responded = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0], dtype=bool)
    adjusted = adjust_nonresponse(Design(strata, base, np.where(strata == 1, 100, 60)), strata, responded)
    assert adjusted.weights == pytest.approx(WEIGHTS)
    ours = nonresponse_design(STRATA, POPULATION, RELEASED).design
    post = poststratify(Design(STRATA, np.where(STRATA == 1, 12.5, 12.0), FPC), STRATA, POPULATION)
    for other in (adjusted, post):  # post-stratifying on the strata only re-centres z within each stratum
        for domain in (None, DISTRICTS == "B"):
            _same_estimate(composite_index(ours, SCORES, V, domain), composite_index(other, SCORES, V, domain))
            _same_estimate(indicator_scores(ours, SCORES, domain)[1], indicator_scores(other, SCORES, domain)[1])


def test_strata_without_respondents_are_listed_and_bad_counts_refused():
    weighted = nonresponse_design(STRATA, {**POPULATION, 3: 40}, {**RELEASED, 3: 2})
    assert weighted.empty_strata == (3,) and weighted.population == 200
    with pytest.raises(ValidationError):
        nonresponse_design(STRATA, POPULATION, {1: 3, 2: 5})  # 4 completes from 3 numbers
    with pytest.raises(ValidationError):
        nonresponse_design(np.array([1, 1, 9]), POPULATION, RELEASED)  # a stratum the round does not have


# --- estimates --------------------------------------------------------------------------------------

def test_city_and_district_figures_computed_by_hand():
    cells = build_figures(tiny(), ci="wald")["cells"]
    city = cells["all"]
    # S1 = (25·(100+80+60+100) + 30·(40+80)) / 160 = 12100/160; S2 (one DK) = (25·240 + 30·140) / 135 = 10200/135
    assert [e["value"] for e in city["scores"]] == pytest.approx([12100 / 160, 10200 / 135])
    assert [e["n"] for e in city["scores"]] == [6, 5]
    # composite = 2/3 · 12100/160 + 1/3 · 10200/135 = 605/12 + 680/27 = 8165/108
    assert city["composite"]["value"] == pytest.approx(8165 / 108)
    # R1 = (25·3 + 30·1)/160 = 21/32; R2 = (25·2 + 30·1)/135 = 16/27; rate = 2/3·21/32 + 1/3·16/27 = 823/1296
    assert [e["value"] for e in city["rates"]] == pytest.approx([21 / 32, 16 / 27])
    assert city["rate"]["value"] == pytest.approx(823 / 1296)
    # SE of S1: z = w(y − S1)/160; stratum 1: z − z̄ = 25/160·(15, −5, −25, 15) → SS 26.855, × 0.96·4/3 = 34.375;
    # stratum 2: 30/160·(±20) → SS 28.125, × (58/60)·2 = 54.375. Var = 88.75.
    assert city["scores"][0]["se"] == pytest.approx(math.sqrt(88.75))
    assert city["scores"][0]["low"] == pytest.approx(12100 / 160 - Z95 * math.sqrt(88.75))
    # District A (stratum 1 only): S = (80, 70), composite 230/3; R = (2/3, 1/2), rate 4/9 + 1/6 = 11/18
    assert cells["A"]["composite"]["value"] == pytest.approx(230 / 3)
    assert cells["A"]["rate"]["value"] == pytest.approx(11 / 18)
    # District B: S1 = (2500 + 1200 + 2400)/85, S2 = (2500 + 2400 + 1800)/85 → composite 3780/51; R1 = R2 = 55/85
    assert cells["B"]["composite"]["value"] == pytest.approx(3780 / 51)
    assert cells["B"]["rate"]["value"] == pytest.approx(11 / 17)
    empty = cells["C"]["composite"]
    assert empty == {"value": None, "se": None, "low": None, "high": None, "n": 0, "deff": None}


def test_composite_and_headline_rate_se_follow_the_textbook_formula():
    cells = build_figures(tiny(), ci="wald")["cells"]
    for name, domain in (("all", np.ones(6, dtype=bool)), ("B", DISTRICTS == "B")):
        for key, values in (("composite", SCORES), ("rate", SATISFIED)):
            expected = textbook_variance(composite_influence(values, domain), STRATA, POPULATION)
            assert cells[name][key]["se"] ** 2 == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("ci", ["wald", "logit", "wilson", "korn-graubard"])
def test_every_cell_equals_the_direct_survey_stats_estimate(ci):
    design = Design(STRATA, WEIGHTS, FPC)
    cells = build_figures(tiny(), ci=ci)["cells"]
    for name, domain in (("all", None), ("A", DISTRICTS == "A"), ("B", DISTRICTS == "B")):
        cell = cells[name]
        _same(cell["composite"], composite_index(design, SCORES, V, domain))
        for got, expected in zip(cell["scores"], indicator_scores(design, SCORES, domain), strict=True):
            _same(got, expected)
        for got, expected in zip(cell["rates"], satisfaction_rates(design, SATISFIED, domain, ci=ci), strict=True):
            _same(got, expected)
        # The headline rate is the composite estimator on the 0/1 columns: same value and SE.
        rate = composite_index(design, SATISFIED, V, domain)
        assert (cell["rate"]["value"], cell["rate"]["se"]) == pytest.approx((rate.value, rate.se), rel=1e-12)
        if ci == "wald":
            _same(cell["rate"], rate)


def test_headline_rate_interval_is_logit_unless_wald():
    rate = build_figures(tiny())["headline"]["rate"]
    p, se = rate["value"], rate["se"]
    half = Z95 * se / (p * (1 - p))
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert (rate["low"], rate["high"]) == pytest.approx((expit(math.log(p / (1 - p)) - half),
                                                         expit(math.log(p / (1 - p)) + half)))


def test_a_share_of_zero_from_rounding_noise_gets_the_clopper_pearson_interval():
    # District d3 here: nobody of 4 satisfied on q1, which the sums give as 5.6e-17 with variance 5e-19; the
    # logit interval of that overflowed. Snapped to 0: Clopper–Pearson at n = 4, upper 1 − 0.025^(1/4).
    data = random_round(np.random.default_rng(14), 12)
    rate = build_figures(data)["cells"]["d3"]["rates"][0]
    assert (rate["value"], rate["se"], rate["low"], rate["n"]) == (0.0, 0.0, 0.0, 4)
    assert rate["high"] == pytest.approx(1 - 0.025 ** 0.25)


def test_figures_agree_with_estimate_round_on_a_larger_round():
    data = random_round(np.random.default_rng(5), 400)
    figures = build_figures(data, ci="logit")
    design = nonresponse_design(data.strata, data.stratum_population, data.stratum_released).design
    v = np.array([i.weight for i in data.indicators]) / sum(i.weight for i in data.indicators)
    expected = estimate_round(design, data.scores, data.satisfied, v, data.districts, ci="logit")
    rates = estimate_round(design, data.satisfied, data.satisfied, v, data.districts)
    for name, estimates in expected.items():
        cell = figures["cells"][name]
        _same(cell["composite"], estimates.composite)
        assert cell["rate"]["se"] == pytest.approx(rates[name].composite.se, rel=1e-10)
        for got, e in zip(cell["scores"] + cell["rates"], estimates.scores + estimates.rates, strict=True):
            _same(got, e)


def test_raked_figures_equal_survey_stats_rake():
    rng = np.random.default_rng(7)
    data = random_round(rng, 300)
    design = nonresponse_design(data.strata, data.stratum_population, data.stratum_released).design
    cells = district_margins([(d.code, d.population, d.urban_share) for d in data.district_info])
    keys = sorted(cells)
    cell = np.array([keys.index((d, bool(u))) for d, u in zip(data.districts, data.urban, strict=True)])
    total = sum(cells.values())
    reference = rake(design, [(cell, {i: cells[k] for i, k in enumerate(keys)}),
                              (data.sex, {"M": total / 2, "F": total / 2})])
    ours = raked_design(design, data.districts, data.urban, data.sex, cells)
    assert ours.weights == pytest.approx(reference.weights, rel=1e-12)
    z = rng.normal(size=(300, 4)) * ours.weights[:, None]
    assert ours.covariance(z) == pytest.approx(reference.covariance(z), rel=1e-9, abs=1e-9)
    figures = build_figures(data, weighting="raked")
    for name in ("all", "d1"):
        domain = None if name == "all" else data.districts == name
        _same(figures["cells"][name]["composite"], composite_index(reference, data.scores, [0.5, 0.3, 0.2], domain))
    assert figures["sample"]["weight_sum"] == pytest.approx(total)


def test_raking_reproduces_district_urban_and_sex_margins():
    data = random_round(np.random.default_rng(11), 500)
    design = nonresponse_design(data.strata, data.stratum_population, data.stratum_released).design
    cells = district_margins([(d.code, d.population, d.urban_share) for d in data.district_info])
    raked = raked_design(design, data.districts, data.urban, data.sex, cells)
    for d in data.district_info:
        for urban, share in ((True, d.urban_share), (False, 1 - d.urban_share)):
            rows = (data.districts == d.code) & (data.urban == urban)
            assert raked.weights[rows].sum() == pytest.approx(d.population * share, rel=1e-9)
    total = sum(d.population for d in data.district_info)
    for sex in ("M", "F"):
        assert raked.weights[data.sex == sex].sum() == pytest.approx(total / 2, rel=1e-9)


def test_raking_needs_sex_and_respondents_in_every_cell():
    data = random_round(np.random.default_rng(3), 200)
    with pytest.raises(ValidationError):
        build_figures(RoundData(**{**data.__dict__, "sex": None}), weighting="raked")
    rural_d1 = (data.districts == "d1") & ~data.urban
    with pytest.raises(ValidationError, match="no respondents"):
        build_figures(RoundData(**{**data.__dict__, "urban": data.urban | rural_d1}), weighting="raked")
    with pytest.raises(ValidationError):
        build_figures(data, weighting="calibrated")


def test_bad_inputs_are_refused_with_validation_errors():
    with pytest.raises(ValidationError):  # a DK in the scores that is an answer in "satisfied"
        build_figures(tiny(satisfied=np.nan_to_num(SATISFIED)))
    with pytest.raises(ValidationError):
        build_figures(tiny(scores=SCORES[:, :1]))
    with pytest.raises(ValidationError):
        build_figures(tiny(strata=STRATA[:0], districts=DISTRICTS[:0], scores=SCORES[:0], satisfied=SATISFIED[:0]))
    with pytest.raises(ValidationError):
        build_figures(tiny(), ci="exact")


def test_respondents_without_a_known_district_count_for_the_city_only():
    districts = DISTRICTS.copy()
    districts[5] = ""
    figures = build_figures(tiny(districts=districts))
    assert figures["sample"]["unassigned"] == 1
    assert figures["cells"]["all"]["composite"]["value"] == pytest.approx(8165 / 108)
    assert figures["cells"]["B"]["composite"]["n"] == 2
    assert set(figures["cells"]) == {"all", "A", "B", "C"}


def test_layout_is_json_ready():
    figures = build_figures(tiny(), previous=tiny(round_id=0), progress=lambda *a: None)
    json.dumps(figures, allow_nan=False)
    assert set(figures) == {"settings", "sample", "indicators", "districts", "cells", "ranking", "changes",
                            "headline"}
    assert figures["indicators"][0] == {"code": "safety", "name_zh": "社会治安", "name_en": "Public security",
                                        "weight": pytest.approx(2 / 3), "comparable": True}
    assert figures["districts"][2] == {"code": "C", "name_zh": "湖西县", "name_en": "Huxi"}
    assert [len(figures["cells"]["A"][key]) for key in ("scores", "rates")] == [2, 2]
    _only_json_types(figures)


def test_progress_is_reported_up_to_the_total():
    calls = []
    build_figures(tiny(), previous=tiny(round_id=0), progress=lambda done, total, message: calls.append((done, total)))
    assert calls[0] == (0, 4) and calls[-1] == (4, 4)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# --- ranking ----------------------------------------------------------------------------------------

def test_rank_intervals_by_hand():
    # Four independent districts, SE 1 each: 6 pairs → z* = Φ⁻¹(1 − 0.05/12) = 2.638; SE of a difference √2,
    # so a gap counts above 2.638·1.414 = 3.73: 90 > 85 (gap 5), 85 ≈ 84 (gap 1), 84 > 70 (gap 14).
    ranks = rank_intervals(np.array([85.0, 90.0, 70.0, 84.0]), np.eye(4))
    assert [(r.rank, r.low, r.high) for r in ranks] == [(2, 2, 3), (1, 1, 1), (4, 4, 4), (3, 2, 3)]


def test_rank_intervals_use_the_covariance():
    # Two districts 3 points apart, variances 1: one pair → z* = 1.96. Independent: SE √2 → 2.77 < 3, ordered.
    # Covariance −0.5: SE √3 → 3.39 > 3, either could be first.
    values = np.array([77.0, 80.0])
    assert [(r.low, r.high) for r in rank_intervals(values, np.eye(2))] == [(2, 2), (1, 1)]
    negative = np.array([[1.0, -0.5], [-0.5, 1.0]])
    assert [(r.low, r.high) for r in rank_intervals(values, negative)] == [(1, 2), (1, 2)]


def test_ties_share_the_best_rank_and_a_single_district_is_first():
    ranks = rank_intervals(np.array([80.0, 80.0, 70.0]), np.zeros((3, 3)))
    assert [(r.rank, r.low, r.high) for r in ranks] == [(1, 1, 2), (1, 1, 2), (3, 3, 3)]
    assert rank_intervals(np.array([75.0]), np.ones((1, 1)))[0] == rank_intervals(np.array([1.0]), np.eye(1))[0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(50, 100), min_size=1, max_size=8), st.floats(0.01, 5), st.floats(0.5, 0.99))
def test_rank_intervals_contain_the_point_rank_and_widen_with_the_level(values, se, level):
    values = np.array(values)
    covariance = np.eye(len(values)) * se ** 2
    narrow = rank_intervals(values, covariance, level=level)
    wide = rank_intervals(values, covariance, level=min(level + 0.009, 0.999))
    for a, b in zip(narrow, wide, strict=True):
        assert 1 <= a.low <= a.rank <= a.high <= len(values)
        assert b.low <= a.low and a.high <= b.high


def test_ranking_in_the_figures_lists_every_district_best_first():
    ranking = build_figures(tiny())["ranking"]
    # A 230/3 ≈ 76.7 vs B 3780/51 ≈ 74.1 with SEs of several points: one pair, not separated.
    assert [(r["district"], r["rank"], r["rank_low"], r["rank_high"]) for r in ranking] == [
        ("A", 1, 1, 2), ("B", 2, 1, 2), ("C", None, None, None)]
    assert ranking[0]["value"] == pytest.approx(230 / 3)


def test_district_covariance_matches_the_general_formula():
    data = random_round(np.random.default_rng(2), 300)
    design = nonresponse_design(data.strata, data.stratum_population, data.stratum_released).design
    labels, codes = np.unique(data.districts.astype(str), return_inverse=True)
    v = np.array([0.5, 0.3, 0.2])
    whole, by = design.mean_statistics_by(data.scores, codes)
    result = composites(design, data.scores, v, codes, whole, [by[i] for i in range(len(labels))])
    stacked = np.column_stack([np.where(codes == i, composite_influence_of(design, data.scores, v, codes == i), 0.0)
                               for i in range(len(labels))])
    assert result.covariance == pytest.approx(design.covariance(stacked), rel=1e-10, abs=1e-14)
    for i in range(len(labels)):
        _same_estimate(result.groups[i], composite_index(design, data.scores, v, codes == i))


# --- changes ----------------------------------------------------------------------------------------

def _estimate(value: float, se: float = 1.0) -> Estimate:
    return Estimate(value, se, value - 2 * se, value + 2 * se, 1.0, 100)


def test_changes_by_hand_with_benjamini_hochberg():
    # Differences of z·√2 with SE √2: z = 3, 2.5, 1 → p = 0.0026998, 0.0124193, 0.3173105. BH over the three
    # tested pairs (the missing and the not-comparable ones are not tests): sorted p·m/rank = 0.0080994,
    # 0.0186290, 0.3173105 → q. The untested rows keep p and q None.
    root2 = math.sqrt(2)
    pairs = [Pair("all", "score", "a", _estimate(80 + 3 * root2), _estimate(80), True),
             Pair("all", "score", "b", _estimate(80 + 2.5 * root2), _estimate(80), True),
             Pair("all", "score", "c", _estimate(80 + root2), _estimate(80), True),
             Pair("all", "score", "d", _estimate(90), _estimate(NAN, NAN), True),
             Pair("all", "score", "e", _estimate(90), _estimate(60), False)]
    rows = change_rows(pairs)
    assert [r["p"] for r in rows[:3]] == pytest.approx([0.0026998, 0.0124193, 0.3173105], abs=1e-7)
    assert [r["q"] for r in rows[:3]] == pytest.approx([0.0080994, 0.0186290, 0.3173105], abs=1e-7)
    assert [r["significant"] for r in rows] == [True, True, False, False, False]
    assert rows[3]["p"] is None and rows[3]["diff"] is None and rows[3]["comparable"]
    assert rows[4] == {**rows[4], "p": None, "q": None, "diff": None, "before": 60.0, "after": 90.0,
                       "comparable": False}
    assert rows[0]["low"] == pytest.approx(3 * root2 - Z95 * root2)


def test_changes_equal_compare_rounds_when_every_estimate_exists():
    rng = np.random.default_rng(4)
    rounds = []
    for _ in range(2):
        data = random_round(rng, 300)
        design = nonresponse_design(data.strata, data.stratum_population, data.stratum_released).design
        rounds.append(estimate_round(design, data.scores, data.satisfied, [0.5, 0.3, 0.2], data.districts))
    now, before = rounds
    expected = compare_rounds(now, before)
    pairs = [Pair(str(d), kind, j, *_pick(now[d], before[d], kind, j), True) for d, kind, j in expected]
    for row, (key, change) in zip(change_rows(pairs), expected.items(), strict=True):
        assert (row["p"], row["q"], row["significant"]) == (pytest.approx(change.difference.p),
                                                            pytest.approx(change.p_adjusted), change.significant), key


def test_changes_between_rounds_in_the_figures():
    rng = np.random.default_rng(8)
    now, before = random_round(rng, 300), random_round(rng, 300, shift=8.0)
    figures = build_figures(now, previous=before, comparable={"q1", "q2"})
    rows = figures["changes"]
    # 4 domains (city + 3 districts) × (composite, headline rate, 3 indicators × score and rate)
    assert len(rows) == 4 * 8
    tested = [r for r in rows if r["p"] is not None]
    assert {(r["measure"], r["indicator"]) for r in rows if not r["comparable"]} == {
        ("composite", None), ("rate", None), ("score", "q3"), ("rate", "q3")}
    assert len(tested) == 4 * 4
    assert [r["q"] for r in tested] == pytest.approx(adjust_pvalues([r["p"] for r in tested], "bh").tolist())
    row = next(r for r in rows if r["domain"] == "d2" and r["measure"] == "score" and r["indicator"] == "q1")
    after, earlier = figures["cells"]["d2"]["scores"][0], build_figures(before)["cells"]["d2"]["scores"][0]
    d = difference(_as_estimate(after), _as_estimate(earlier))
    assert (row["diff"], row["se"], row["p"]) == pytest.approx((d.value, d.se, d.p))
    assert figures["headline"]["change_composite"] is None  # q3 changed: the composite is not comparable
    assert any(r["significant"] for r in tested)  # the previous round was 8 points lower


def test_headline_changes_and_a_question_nobody_answered_before():
    rng = np.random.default_rng(9)
    now, before = random_round(rng, 300), random_round(rng, 300)
    scores, satisfied = before.scores.copy(), before.satisfied.copy()
    scores[before.districts == "d1", 2] = NAN  # not asked in d1 last time
    satisfied[before.districts == "d1", 2] = NAN
    figures = build_figures(now, previous=RoundData(**{**before.__dict__, "scores": scores, "satisfied": satisfied}))
    untested = [r for r in figures["changes"] if r["domain"] == "d1" and r["p"] is None]
    # q3's score and rate, and d1's composite and headline rate (they need q3): no test, never "p = 0".
    assert {(r["measure"], r["indicator"]) for r in untested} == {
        ("score", "q3"), ("rate", "q3"), ("composite", None), ("rate", None)}
    assert not any(r["significant"] for r in untested)
    headline = figures["headline"]
    assert set(headline["change_composite"]) == {"diff", "low", "high", "p", "q", "significant"}
    city = next(r for r in figures["changes"] if r["domain"] == "all" and r["measure"] == "rate"
                and r["indicator"] is None)
    assert headline["change_rate"]["q"] == city["q"]


def test_changes_are_none_without_a_previous_round():
    figures = build_figures(tiny())
    assert figures["changes"] is None
    assert figures["headline"]["change_composite"] is None and figures["headline"]["change_rate"] is None


# --- properties -------------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(12, 80))
def test_any_round_gives_json_and_the_city_composite_of_survey_stats(seed, n):
    data = random_round(np.random.default_rng(seed), n)
    figures = build_figures(data)
    json.dumps(figures, allow_nan=False)
    design = nonresponse_design(data.strata, data.stratum_population, data.stratum_released).design
    assert figures["sample"]["weight_sum"] == pytest.approx(
        sum(data.stratum_population[h] for h in np.unique(data.strata).tolist()))
    _same(figures["cells"]["all"]["composite"], composite_index(design, data.scores, [0.5, 0.3, 0.2]))
    for row in figures["ranking"]:
        if row["rank"] is not None:
            assert row["rank_low"] <= row["rank"] <= row["rank_high"]


# --- helpers ----------------------------------------------------------------------------------------

def random_round(rng: np.random.Generator, n: int, shift: float = 0.0) -> RoundData:
    """Three districts × urban/rural × sex as 12 strata, three indicators with DKs."""
    codes = ["d1", "d2", "d3"]
    stratum = np.concatenate([np.arange(12), rng.integers(0, 12, n - 12)])  # every stratum at least once
    district, urban, female = stratum // 4, (stratum // 2) % 2 == 0, stratum % 2 == 1
    counts = np.bincount(stratum, minlength=12)
    choices = np.array([100.0, 80.0, 60.0, 40.0, 0.0])
    scores = choices[rng.choice(5, size=(n, 3), p=[0.35, 0.3, 0.2, 0.1, 0.05])] - shift
    scores[rng.random((n, 3)) < 0.08] = NAN
    return RoundData(
        round_id=2, name="第二轮", strata=stratum + 100,
        stratum_population={h + 100: int(counts[h] * 50 + 7 * h) for h in range(12)},
        stratum_released={h + 100: int(counts[h] * 3) for h in range(12)},
        districts=np.array(codes, dtype=object)[district], scores=scores,
        satisfied=np.where(np.isnan(scores), NAN, scores >= 80 - shift),
        indicators=[IndicatorInfo("q1", "社会治安", "Security", 5), IndicatorInfo("q2", "医疗", "Health", 3),
                    IndicatorInfo("q3", "教育", "Schools", 2)],
        district_info=[DistrictInfo(c, f"区{c}", c.upper(), 100_000 * (i + 2), 0.4 + 0.2 * i)
                       for i, c in enumerate(codes)],
        urban=urban, sex=np.where(female, "F", "M").astype(object))


def composite_influence_of(design: Design, scores: np.ndarray, v: np.ndarray, domain: np.ndarray) -> np.ndarray:
    stats = design.mean_statistics(scores, domain)
    return design.combination_influence(scores, domain, stats, v)


def _pick(now: DomainEstimates, before: DomainEstimates, kind: str, j):
    if kind == "composite":
        return now.composite, before.composite
    return (now.scores[j], before.scores[j]) if kind == "score" else (now.rates[j], before.rates[j])


def _as_estimate(e: dict) -> Estimate:
    return Estimate(e["value"], e["se"], e["low"], e["high"], e["deff"] or NAN, e["n"])


def _same(got: dict, expected: Estimate) -> None:
    for key, attr in (("value", "value"), ("se", "se"), ("low", "ci_low"), ("high", "ci_high")):
        want = getattr(expected, attr)
        assert got[key] == (None if math.isnan(want) else pytest.approx(want, rel=1e-10, abs=1e-13)), key
    assert got["n"] == expected.n
    if not math.isnan(expected.deff):
        assert got["deff"] == pytest.approx(expected.deff, rel=1e-10)


def _same_estimate(got: Estimate, expected: Estimate) -> None:
    assert (got.value, got.se, got.ci_low, got.ci_high, got.n) == pytest.approx(
        (expected.value, expected.se, expected.ci_low, expected.ci_high, expected.n), rel=1e-10)
    assert got.lonely_strata == expected.lonely_strata


def _only_json_types(value) -> None:
    if isinstance(value, dict):
        assert all(isinstance(k, str) for k in value)
        for item in value.values():
            _only_json_types(item)
    elif isinstance(value, list):
        for item in value:
            _only_json_types(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), (value, type(value))
