"""A round's figures for every domain at once equal the one-domain functions checked against R."""

from __future__ import annotations

import numpy as np
import pytest

from survey.stats import Design, Estimate, composite_index, indicator_scores, poststratify, satisfaction_rates
from survey.stats.rounds import ALL, COMPOSITE, DomainEstimates, compare_rounds, estimate_round

from .test_agrees_with_r import OWN, _numbers

WEIGHTS = [0.5, 0.3, 0.2]


def _own():
    design = Design(OWN["stratum"], _numbers(OWN["w"]), _numbers(OWN["N"]))
    scores = np.column_stack([_numbers(OWN[f"q{j}"]) for j in (1, 2, 3)])
    satisfied = np.where(np.isnan(scores), np.nan, scores >= 80)
    return design, scores, satisfied, OWN["district"]


def _same(a: Estimate, b: Estimate) -> None:
    assert (a.value, a.se, a.ci_low, a.ci_high, a.n) == pytest.approx((b.value, b.se, b.ci_low, b.ci_high, b.n),
                                                                      rel=1e-10, abs=1e-13)
    assert a.lonely_strata == b.lonely_strata
    if not np.isnan(b.deff):
        assert a.deff == pytest.approx(b.deff, rel=1e-10)


@pytest.mark.parametrize("weighting", ["base", "post-stratified"])
def test_every_domain_equals_its_own_estimate(weighting):
    design, scores, satisfied, district = _own()
    if weighting == "post-stratified":
        design = poststratify(design, OWN["sex"], {"M": 52_000, "F": 46_450})
    result = estimate_round(design, scores, satisfied, WEIGHTS, district)
    assert set(result) == {ALL, *np.unique(district).tolist()}
    for name, estimates in result.items():
        mask = None if name == ALL else district == name
        for got, expected in zip(estimates.scores, indicator_scores(design, scores, mask), strict=True):
            _same(got, expected)
        for got, expected in zip(estimates.rates, satisfaction_rates(design, satisfied, mask), strict=True):
            _same(got, expected)
        _same(estimates.composite, composite_index(design, scores, WEIGHTS, mask))


def _domain(value: float, se: float) -> DomainEstimates:
    estimate = Estimate(value, se, value - 2 * se, value + 2 * se, 1.0, 500)
    return DomainEstimates([estimate, estimate], [estimate, estimate], estimate)


def test_changes_are_flagged_only_after_benjamini_hochberg():
    # Five measures per domain; only the domain "a" moved. Its raw p ≈ 0.039 each, but with 15 tests
    # of which 10 are null, BH's threshold for the 5 smallest is 5/15 · 0.05 ≈ 0.017: nothing survives.
    previous = {"a": _domain(80.0, 1.0), "b": _domain(80.0, 1.0), "c": _domain(80.0, 1.0)}
    current = {"a": _domain(82.92, 1.0), "b": _domain(80.0, 1.0), "c": _domain(80.0, 1.0)}
    changes = compare_rounds(current, previous)
    assert len(changes) == 15
    moved = changes[("a", "score", 0)]
    assert moved.difference.p < 0.05
    assert moved.p_adjusted > 0.05 and not moved.significant


def test_a_large_change_survives_the_adjustment():
    previous = {"a": _domain(80.0, 1.0), "b": _domain(80.0, 1.0)}
    current = {"a": _domain(86.0, 1.0), "b": _domain(80.0, 1.0)}
    changes = compare_rounds(current, previous)
    assert changes[("a", COMPOSITE, None)].significant
    assert not changes[("b", COMPOSITE, None)].significant


def test_indicators_that_are_not_comparable_are_not_tested():
    previous = {"a": _domain(80.0, 1.0)}
    current = {"a": _domain(90.0, 1.0)}
    changes = compare_rounds(current, previous, comparable=[True, False])
    assert ("a", "score", 1) not in changes and ("a", COMPOSITE, None) not in changes
    assert ("a", "score", 0) in changes


def test_domains_missing_from_the_previous_round_are_skipped():
    changes = compare_rounds({"new": _domain(80.0, 1.0)}, {"old": _domain(80.0, 1.0)})
    assert changes == {}
