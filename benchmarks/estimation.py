"""A full round's estimates: respondents × 12 indicators × (city + 6 districts).

Measured: scores, satisfaction rates (logit intervals), composite index with its covariances, and the
differences to the previous round with Benjamini–Hochberg control — what a report snapshot computes.
Baseline, in the same run: plain NumPy weighted means of the same cells (no variances at all).
Targets (issue 5): 10,400 respondents in ≤ 0.3 s; 1,000,000 in ≤ 5 s.
"""

from __future__ import annotations

import resource

import numpy as np

from survey.stats import Design
from survey.stats.rounds import compare_rounds, estimate_round

from .harness import Result, best_of

INDICATORS = 12
DISTRICTS = 6
STRATA = 96  # 6 districts × urban/rural × sex × 4 age bands, as the demo design


def synthetic_round(n: int, seed: int):
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, STRATA, n)
    district = strata % DISTRICTS
    population = np.bincount(strata, minlength=STRATA) * 40.0
    weights = population[strata] / np.bincount(strata, minlength=STRATA)[strata] * rng.uniform(0.8, 1.2, n)
    u = rng.random((n, INDICATORS)) + 0.03 * district[:, None]
    scores = np.select([u < 0.45, u < 0.7, u < 0.85, u < 0.93], [100.0, 80.0, 60.0, 40.0], 20.0)
    scores[rng.random((n, INDICATORS)) < 0.06] = np.nan  # don't know
    satisfied = np.where(np.isnan(scores), np.nan, scores >= 80)
    design = Design(strata, weights, population[strata])
    return design, scores, satisfied, district


def _baseline(design: Design, scores: np.ndarray, district: np.ndarray) -> None:
    w = design.weights[:, None]
    valid = ~np.isnan(scores)
    filled = np.where(valid, scores, 0.0)
    for rows in [slice(None), *(district == d for d in range(DISTRICTS))]:
        (w[rows] * filled[rows]).sum(axis=0) / (w[rows] * valid[rows]).sum(axis=0)


def run(quick: bool) -> list[Result]:
    results = []
    sizes = (10_400, 100_000) if quick else (10_400, 1_000_000)
    targets = {10_400: 0.3, 1_000_000: 5.0}
    weights = np.full(INDICATORS, 1 / INDICATORS)
    for n in sizes:
        design, scores, satisfied, district = synthetic_round(n, seed=1)
        previous = synthetic_round(n, seed=2)
        before = estimate_round(*previous[:3], weights, previous[3])

        def full_round(design=design, scores=scores, satisfied=satisfied, district=district, before=before):
            return compare_rounds(estimate_round(design, scores, satisfied, weights, district), before)

        repeats = 3 if n <= 100_000 else 1
        seconds = best_of(repeats, full_round)
        baseline = best_of(repeats, lambda design=design, scores=scores, district=district:
                           _baseline(design, scores, district))
        results.append(Result("estimation", f"full round, {n:,} respondents × 12 × 7 domains", seconds, "s",
                              baseline=baseline, target=targets.get(n), higher_is_better=False, absolute=True,
                              note="baseline: plain NumPy weighted means of the same cells"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.append(Result("estimation", "peak RSS", peak, "MB", note=f"largest: {sizes[-1]:,} respondents"))
    return results
