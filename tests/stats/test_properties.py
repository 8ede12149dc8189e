"""Properties every design-based estimate must have, whatever the data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.stats import CI_METHODS, Design, adjust_pvalues

settings.register_profile("stats", max_examples=60, deadline=None)
settings.load_profile("stats")


@st.composite
def samples(draw, with_fpc: bool = True):
    """A stratified sample: 1–5 strata of 2–12 respondents, weights, values, a stratum population."""
    sizes = draw(st.lists(st.integers(2, 12), min_size=1, max_size=5))
    strata = np.repeat(np.arange(len(sizes)), sizes)
    n = len(strata)
    weights = np.array(draw(st.lists(st.floats(0.5, 50), min_size=n, max_size=n)))
    y = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    extra = draw(st.lists(st.integers(0, 100), min_size=len(sizes), max_size=len(sizes)))
    fpc = np.array([sizes[h] + extra[h] for h in strata], dtype=float) if with_fpc else None
    return strata, weights, y, fpc


@given(samples(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(sample, rnd):
    strata, weights, y, fpc = sample
    order = np.arange(len(y))
    rnd.shuffle(order)
    a = Design(strata, weights, fpc).mean(y)
    b = Design(strata[order], weights[order], fpc[order]).mean(y[order])
    assert (b.value, b.se) == pytest.approx((a.value, a.se), rel=1e-9, abs=1e-12)


@given(samples(), st.floats(0.01, 1000))
def test_scaling_all_weights_leaves_means_and_their_se_unchanged(sample, factor):
    strata, weights, y, fpc = sample
    a = Design(strata, weights, fpc).mean(y)
    b = Design(strata, weights * factor, fpc).mean(y)
    assert (b.value, b.se) == pytest.approx((a.value, a.se), rel=1e-9, abs=1e-12)


@given(samples())
def test_a_census_has_standard_error_zero(sample):
    strata, weights, y, _ = sample
    census = np.bincount(strata)[strata].astype(float)
    assert Design(strata, weights, census).mean(y).se == pytest.approx(0, abs=1e-12)


@given(samples(), st.lists(st.integers(0, 2), min_size=60, max_size=60))
def test_domain_totals_add_up_to_the_total(sample, labels):
    strata, weights, y, fpc = sample
    groups = np.array(labels[: len(y)])
    design = Design(strata, weights, fpc)
    parts = design.by(groups, y, stat="total")
    assert sum(e.value for e in parts.values()) == pytest.approx(design.total(y).value, rel=1e-9)


@given(samples(), st.sampled_from(CI_METHODS))
def test_a_proportion_interval_holds_the_estimate_and_stays_in_0_1(sample, method):
    strata, weights, y, fpc = sample
    share = (y >= 3).astype(float)
    estimate = Design(strata, weights, fpc).proportion(share, ci=method)
    if method != "wald":
        assert 0 <= estimate.ci_low <= estimate.value <= estimate.ci_high <= 1
    else:
        assert estimate.ci_low <= estimate.value <= estimate.ci_high


@given(samples())
def test_a_mean_lies_within_the_values(sample):
    strata, weights, y, fpc = sample
    value = Design(strata, weights, fpc).mean(y).value
    assert y.min() - 1e-9 <= value <= y.max() + 1e-9


@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.sampled_from(["bh", "holm"]))
def test_adjusted_p_values_are_at_least_the_raw_ones_and_keep_their_order(p, method):
    raw = np.array(p)
    adjusted = adjust_pvalues(raw, method)
    assert np.all(adjusted >= raw - 1e-15) and np.all(adjusted <= 1)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adjusted[order]) >= -1e-15)
