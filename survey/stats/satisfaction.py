"""Satisfaction measures per indicator, for any domain (DOMAIN.md, "Measures").

Inputs are arrays with one row per respondent and one column per indicator: option scores with NaN
for "don't know" (and for unanswered), or 0/1 "counts as satisfied" with NaN likewise. "Don't know"
is left out per indicator, not listwise, so each score is a weighted ratio mean whose variance is
linearised (the number of valid answers is random).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..i18n import N_
from .design import Design, Estimate, _fail, quantile


def _matrix(design: Design, values: Any, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] != design.n:
        raise _fail(N_("%(name)s must have one row per respondent (%(n)s) and one column per indicator"), name,
                    name=name, n=design.n)
    return values


def indicator_scores(design: Design, scores: Any, domain: Any = None, *, level: float = 0.95,
                     df: float | None = None) -> list[Estimate]:
    """Score S_j of each indicator: Σ w·s / Σ w over the domain's valid answers."""
    return design.means(_matrix(design, scores, "scores"), domain, level=level, df=df)


def satisfaction_rates(design: Design, satisfied: Any, domain: Any = None, *, ci: str = "logit",
                       level: float = 0.95, df: float | None = None) -> list[Estimate]:
    """Satisfaction rate R_j of each indicator: weighted share of "counts as satisfied" among valid answers."""
    return design.proportions(_matrix(design, satisfied, "satisfied"), domain, ci=ci, level=level, df=df)


def check_indicator_weights(indicator_weights: Sequence[float], k: int) -> np.ndarray:
    v = np.asarray(indicator_weights, dtype=float)
    if v.shape != (k,):
        raise _fail(N_("one weight per indicator is needed (%(k)s)"), "indicator_weights", k=k)
    if np.any(v < 0) or abs(v.sum() - 1) > 1e-9:
        raise _fail(N_("indicator weights must be non-negative and add up to 1 (they add up to %(total)s)"),
                    "indicator_weights", total=round(float(v.sum()), 6))
    return v


def composite_index(design: Design, scores: Any, indicator_weights: Sequence[float], domain: Any = None, *,
                    level: float = 0.95, df: float | None = None) -> Estimate:
    """Σ_j v_j S_j with its SE through the covariances of the S_j: z_i = Σ_j v_j z_ij.

    ``deff`` is NaN (a composite of ratios has no single SRS variance to compare with).
    """
    scores = _matrix(design, scores, "scores")
    v = check_indicator_weights(indicator_weights, scores.shape[1])
    stats = design.mean_statistics(scores, domain)
    used = v > 0
    mask = np.ones(design.n, dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    contributing = mask & ~np.isnan(scores[:, used]).all(axis=1)
    n = int(contributing.sum())
    if np.any(np.isnan(stats.values[used])):
        return Estimate(np.nan, np.nan, np.nan, np.nan, np.nan, n)
    value = float(stats.values[used] @ v[used])
    z = design.combination_influence(scores[:, used], mask, stats.columns(used), v[used])
    se = float(np.sqrt(design.variances(z[:, None])[0]))
    q = quantile(level, df)
    return Estimate(value, se, value - q * se, value + q * se, np.nan, n, design.lonely_strata(contributing))

