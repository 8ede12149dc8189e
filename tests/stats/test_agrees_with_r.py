"""survey.stats agrees with R's survey package (4.x) to 1e-9 relative.

The expected values were computed by tests/reference/survey_reference.R (17 significant digits in
survey_reference.json) on survey's own `apistrat` data and on our own satisfaction sample, which has
"don't know" answers, a stratum of two and a lonely stratum (survey.lonely.psu = "adjust").
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from survey.stats import (
    Design,
    adjust_pvalues,
    composite_index,
    indicator_scores,
    poststratify,
    rake,
    rao_scott,
    satisfaction_rates,
)

REFERENCE = Path(__file__).parents[1] / "reference"
R = json.loads((REFERENCE / "survey_reference.json").read_text())
TOL = {"rel": 1e-9, "abs": 1e-12}


def _columns(name: str) -> dict[str, np.ndarray]:
    with open(REFERENCE / name, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def _numbers(text: np.ndarray) -> np.ndarray:
    return np.array([np.nan if value == "NA" else float(value) for value in text])


API = _columns("apistrat.csv")
OWN = _columns("own_sample.csv")


@pytest.fixture(scope="module")
def api() -> Design:
    return Design(API["stype"], _numbers(API["pw"]), _numbers(API["fpc"]))


@pytest.fixture(scope="module")
def own() -> Design:
    return Design(OWN["stratum"], _numbers(OWN["w"]), _numbers(OWN["N"]))


def assert_estimate(estimate, expected, *, deff=True) -> None:
    assert estimate.value == pytest.approx(expected["value"], **TOL)
    assert estimate.se == pytest.approx(expected["se"], **TOL)
    if "ci_normal" in expected:
        assert [estimate.ci_low, estimate.ci_high] == pytest.approx(expected["ci_normal"], **TOL)
    if deff and "deff" in expected:
        assert estimate.deff == pytest.approx(expected["deff"], **TOL)


def assert_by(result, expected) -> None:
    assert sorted(result) == sorted(row["group"] for row in expected.values())
    for row in expected.values():
        assert_estimate(result[row["group"]], row)


class TestApiStratified:
    def test_degrees_of_freedom(self, api):
        assert api.df == R["api"]["degf"]

    def test_mean_with_deff_and_both_intervals(self, api):
        y = _numbers(API["api00"])
        assert_estimate(api.mean(y), R["api"]["mean_api00"])
        t = api.mean(y, df=api.df)
        assert [t.ci_low, t.ci_high] == pytest.approx(R["api"]["mean_api00"]["ci_t"], **TOL)

    def test_total_with_deff(self, api):
        assert_estimate(api.total(_numbers(API["enroll"])), R["api"]["total_enroll"])

    def test_domain_means_keep_every_row(self, api):
        assert_by(api.by(API["awards"], _numbers(API["api00"])), R["api"]["mean_api00_by_awards"])

    def test_domain_totals(self, api):
        assert_by(api.by(API["comp.imp"], _numbers(API["enroll"]), stat="total"),
                  R["api"]["total_enroll_by_comp_imp"])

    @pytest.mark.parametrize(("method", "df", "key"), [
        ("wald", None, "prop_wide_mean_normal"),
        ("logit", None, "prop_wide_xlogit_normal"),
        ("logit", "design", "prop_wide_xlogit_t"),
        ("korn-graubard", None, "prop_wide_beta"),
    ])
    def test_proportion_intervals(self, api, method, df, key):
        wide = (API["sch.wide"] == "Yes").astype(float)
        estimate = api.proportion(wide, ci=method, df=api.df if df == "design" else None)
        expected = R["api"][key]
        assert estimate.value == pytest.approx(expected["value"], **TOL)
        assert estimate.se == pytest.approx(expected["se"], **TOL)
        assert [estimate.ci_low, estimate.ci_high] == pytest.approx(expected["ci"], **TOL)

    @pytest.mark.parametrize(("method", "key"), [("korn-graubard", "prop_wide_beta_comp_imp_yes"),
                                                 ("logit", "prop_wide_xlogit_comp_imp_yes")])
    def test_proportion_in_a_domain(self, api, method, key):
        wide = (API["sch.wide"] == "Yes").astype(float)
        estimate = api.proportion(wide, API["comp.imp"] == "Yes", ci=method)
        assert [estimate.ci_low, estimate.ci_high] == pytest.approx(R["api"][key]["ci"], **TOL)
        assert estimate.se == pytest.approx(R["api"][key]["se"], **TOL)

    @pytest.mark.parametrize(("row", "col", "key"), [("stype", "awards", "chisq_stype_awards"),
                                                     ("comp.imp", "awards", "chisq_comp_imp_awards")])
    def test_rao_scott_both_forms(self, api, row, col, key):
        result = rao_scott(api, API[row], API[col])
        for name, expected in R["api"][key].items():
            assert getattr(result, name) == pytest.approx(expected, **TOL), name

    def test_post_stratification(self, api):
        reference = R["api"]["poststratified"]
        design = poststratify(api, API["comp.imp"], reference["totals"])
        assert_estimate(design.mean(_numbers(API["api00"])), reference["mean_api00"])
        assert_estimate(design.total(_numbers(API["enroll"])), reference["total_enroll"])
        assert_by(design.by(API["awards"], _numbers(API["api00"])), reference["mean_api00_by_awards"])

    def test_two_margin_rake(self, api):
        reference = R["api"]["raked"]
        design = rake(api, [(API["awards"], reference["awards"]), (API["comp.imp"], reference["comp_imp"])])
        assert design.weights[:5] == pytest.approx(reference["weights_head"], **TOL)
        assert_estimate(design.mean(_numbers(API["api00"])), reference["mean_api00"])
        assert_estimate(design.total(_numbers(API["enroll"])), reference["total_enroll"])
        assert_by(design.by(API["stype"], _numbers(API["api00"])), reference["mean_api00_by_stype"])


class TestOwnSatisfactionSample:
    """Scores 100/80/60/40/20, "don't know" = NA; strata G (two respondents) and L (one)."""

    def scores(self) -> np.ndarray:
        return np.column_stack([_numbers(OWN[f"q{j}"]) for j in (1, 2, 3)])

    def test_degrees_of_freedom(self, own):
        assert own.df == R["own"]["degf"]

    def test_dont_know_is_excluded_as_a_domain(self, own):
        estimate = indicator_scores(own, self.scores())[0]
        assert_estimate(estimate, R["own"]["score_q1"])
        assert estimate.n == int(np.sum(OWN["q1"] != "NA"))

    def test_dont_know_excluded_score_is_the_ratio_estimator(self, own):
        assert_estimate(indicator_scores(own, self.scores())[1], R["own"]["ratio_q2"])

    def test_the_lonely_stratum_is_adjusted_and_flagged(self, own):
        assert indicator_scores(own, self.scores())[0].lonely_strata == ("L",)
        district_without_l = OWN["district"][OWN["stratum"] == "L"][0] != OWN["district"]
        assert own.mean(_numbers(OWN["q1"]), district_without_l).lonely_strata == ()

    def test_scores_by_district(self, own):
        assert_by(own.by(OWN["district"], _numbers(OWN["q1"])), R["own"]["score_q1_by_district"])

    def test_composite_index_uses_the_covariances(self, own):
        weights = R["own"]["composite_weights"]
        assert_estimate(composite_index(own, self.scores(), weights), R["own"]["composite"])
        assert_estimate(composite_index(own, self.scores(), weights, OWN["district"] == "东城"),
                        R["own"]["composite_dong"])

    def test_satisfaction_rate_and_its_korn_graubard_interval(self, own):
        satisfied = np.where(np.isnan(self.scores()), np.nan, self.scores() >= 80)
        assert_estimate(satisfaction_rates(own, satisfied, ci="wald")[2], R["own"]["rate_q3"])
        beta = satisfaction_rates(own, satisfied, ci="korn-graubard")[2]
        assert [beta.ci_low, beta.ci_high] == pytest.approx(R["own"]["rate_q3_beta"]["ci"], **TOL)

    def test_rates_by_district(self, own):
        sat1 = np.where(OWN["q1"] == "NA", np.nan, _numbers(OWN["q1"]) >= 80)
        assert_by(own.by(OWN["district"], sat1), R["own"]["rate_q1_by_district"])

    def test_total_with_dont_know(self, own):
        assert_estimate(own.total(_numbers(OWN["q1"])), R["own"]["total_q1"])

    def test_rao_scott(self, own):
        result = rao_scott(own, OWN["district"], OWN["sex"])
        for name, expected in R["own"]["chisq_district_sex"].items():
            assert getattr(result, name) == pytest.approx(expected, **TOL), name


@pytest.mark.parametrize("method", ["bh", "holm"])
def test_adjusted_p_values_equal_p_adjust(method):
    reference = R["p_adjust"]
    p = np.array([np.nan if v is None else v for v in reference["p"]])
    expected = np.array([np.nan if v is None else v for v in reference[method]])
    np.testing.assert_allclose(adjust_pvalues(p, method), expected, rtol=1e-12, equal_nan=True)
