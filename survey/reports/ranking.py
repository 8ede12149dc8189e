"""Rank intervals for districts ranked by an estimate (DOMAIN.md: "show rank intervals, not just ranks").

Method (Klein, Wright & Wieczorek 2020, "A joint confidence region for an overall ranking of
populations", JRSS C 69(3)): test every pair of districts, j above k when θ̂_j − θ̂_k > z*·SE(θ̂_j − θ̂_k)
with SE² = Var_j + Var_k − 2·Cov_jk (districts are domains of one sample) and z* the two-sided normal
quantile at Bonferroni level α / (K(K−1)/2). Then

    rank_low(k)  = 1 + #{j significantly above k}      (the best rank k can have)
    rank_high(k) = K − #{j significantly below k}      (the worst)

With probability ≥ ``level`` every pairwise interval covers its true difference at once, and then every
district's true rank lies in its interval — jointly for all districts, not one at a time. It is tighter
than comparing marginal intervals for overlap (a difference's SE is √2·SE, not 2·SE, for equal SEs) and,
unlike overlap of unadjusted 95% intervals, its coverage holds for the whole table.

Rank 1 is the highest value; the point rank is 1 + #{j with a strictly higher value} (ties share a rank).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from .weights import invalid


@dataclass(frozen=True)
class Rank:
    rank: int
    low: int  # best possible rank
    high: int  # worst possible rank


def rank_intervals(values: np.ndarray, covariance: np.ndarray, *, level: float = 0.95) -> list[Rank]:
    """Point ranks and simultaneous rank intervals of ``values`` (all finite) given their covariance."""
    values = np.asarray(values, dtype=float)
    covariance = np.asarray(covariance, dtype=float)
    k = values.shape[0]
    if values.ndim != 1 or covariance.shape != (k, k):
        raise invalid("values and covariance do not match", "ranking")
    if not np.all(np.isfinite(values)) or not np.all(np.isfinite(covariance)):
        raise invalid("rank intervals need finite values and covariances", "ranking")
    if not 0 < level < 1:
        raise invalid("the confidence level must be between 0 and 1, not %(level)s", "level", level=level)
    if k == 0:
        return []
    pairs = max(k * (k - 1) // 2, 1)
    z = float(sps.norm.ppf(1 - (1 - level) / (2 * pairs)))
    variances = np.diag(covariance)
    se = np.sqrt(np.maximum(variances[:, None] + variances[None, :] - 2 * covariance, 0.0))
    gap = values[:, None] - values[None, :]  # gap[j, k] = θ̂_j − θ̂_k
    above = gap > z * se  # above[j, k]: j significantly above k (never on the diagonal: gap 0)
    return [Rank(rank=int(1 + np.sum(values > values[i])), low=int(1 + above[:, i].sum()),
                 high=int(k - above[i, :].sum())) for i in range(k)]
