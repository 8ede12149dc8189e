"""On a synthetic population, 95% intervals cover the truth 93.5–96.5% of the time (±3 Monte Carlo SE
of 2,000 replicate stratified samples; fixed seed)."""

from __future__ import annotations

import numpy as np

from survey.stats import Design

REPLICATES = 2_000


def _population(rng: np.random.Generator):
    # Six districts of different sizes and satisfaction, scores 100/80/60/40/20.
    sizes = np.array([12_000, 8_000, 5_000, 3_000, 2_000, 1_000])
    top = np.array([0.55, 0.45, 0.6, 0.35, 0.5, 0.65])
    strata = np.repeat(np.arange(6), sizes)
    u = rng.random(strata.size)
    scores = np.select([u < top[strata], u < top[strata] + 0.25, u < top[strata] + 0.38, u < top[strata] + 0.45],
                       [100.0, 80.0, 60.0, 40.0], 20.0)
    return sizes, strata, scores


def test_95_percent_intervals_cover_the_truth():
    rng = np.random.default_rng(2026)
    sizes, strata, scores = _population(rng)
    truth_mean = scores.mean()
    truth_rate = (scores >= 80).mean()
    allocation = np.array([120, 80, 60, 40, 40, 40])  # not proportional: weights differ between strata
    members = [np.flatnonzero(strata == h) for h in range(6)]
    weights = np.repeat(sizes / allocation, allocation)
    fpc = np.repeat(sizes, allocation).astype(float)
    labels = np.repeat(np.arange(6), allocation)
    covered_mean = covered_rate = 0
    for _ in range(REPLICATES):
        chosen = np.concatenate([rng.choice(m, size=k, replace=False)
                                 for m, k in zip(members, allocation, strict=True)])
        y = scores[chosen]
        design = Design(labels, weights, fpc)
        mean = design.mean(y)
        rate = design.proportion((y >= 80).astype(float), ci="logit")
        covered_mean += mean.ci_low <= truth_mean <= mean.ci_high
        covered_rate += rate.ci_low <= truth_rate <= rate.ci_high
    assert 0.935 <= covered_mean / REPLICATES <= 0.965
    assert 0.935 <= covered_rate / REPLICATES <= 0.965
