"""Confidence intervals for a proportion estimated from a complex sample (DOMAIN.md, "Estimation").

- ``wald``: p̂ ± q·SE (R's ``confint(svymean(...))``).
- ``logit``: the delta method on logit p̂, back-transformed (R's ``svyciprop(method="xlogit")``).
- ``wilson``: Wilson's score interval at the effective sample size n* = p̂(1−p̂)/Var(p̂).
- ``korn-graubard``: Clopper–Pearson at n* × (t_{n−1}/t_df)², always with the design's degrees of
  freedom (R's ``svyciprop(method="beta")``).

``q`` is the normal quantile unless ``df`` is given (then Student's t). When p̂ is 0 or 1 the design
variance is 0 and n* is undefined (R returns NaN): the logit, Wilson and Korn–Graubard intervals
then use the respondents' count, so that "all 37 satisfied" is not reported as certainty.
"""

from __future__ import annotations

import math

from scipy import stats as sps

from .design import quantile

DEGENERATE = 1e-9  # a share this close to 0 or 1 is 0 or 1


def proportion_interval(p: float, variance: float, *, method: str, level: float, df: float | None, n: int,
                        design_df: int) -> tuple[float, float]:
    if n == 0 or math.isnan(p):
        return math.nan, math.nan
    # Per-stratum sums can leave rounding noise (5.6e-17) where the share is 0 or 1: snap it, so the
    # degenerate case is recognised instead of dividing noise by p(1 − p).
    p = 0.0 if abs(p) < DEGENERATE else 1.0 if abs(1 - p) < DEGENERATE else p
    degenerate = variance <= 0 or p in (0.0, 1.0)
    if method == "wald":
        half = quantile(level, df) * math.sqrt(max(variance, 0.0))
        return p - half, p + half
    if method == "logit":
        if degenerate:
            return _clopper_pearson(p, n, level)
        q = quantile(level, df)
        centre = math.log(p / (1 - p))
        half = q * math.sqrt(variance) / (p * (1 - p))
        return _expit(centre - half), _expit(centre + half)
    effective_n = n if degenerate else p * (1 - p) / variance
    if method == "wilson":
        if p in (0.0, 1.0):  # as documented: no design information at p̂ = 0 or 1, use Clopper–Pearson
            return _clopper_pearson(p, n, level)
        q = quantile(level, df)
        q2n = q * q / effective_n
        centre = (p + q2n / 2) / (1 + q2n)
        half = q / (1 + q2n) * math.sqrt(p * (1 - p) / effective_n + q2n / (4 * effective_n))
        return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))  # no rounding past p̂ or [0, 1]
    if method == "korn-graubard":
        alpha = 1 - level
        if design_df > 0 and n > 1:
            effective_n *= (sps.t.ppf(alpha / 2, n - 1) / sps.t.ppf(alpha / 2, design_df)) ** 2
        return _beta_interval(p, effective_n, alpha)
    raise ValueError(method)


def _beta_interval(p: float, n: float, alpha: float) -> tuple[float, float]:
    x = n * p
    low = 0.0 if p == 0 else float(sps.beta.ppf(alpha / 2, x, n - x + 1))
    high = 1.0 if p == 1 else float(sps.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return low, high


def _clopper_pearson(p: float, n: int, level: float) -> tuple[float, float]:
    return _beta_interval(p, float(n), 1 - level)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))
