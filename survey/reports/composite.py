"""Composite indices Σ_j v_j·mean_j of the whole sample and of every group, with the groups' covariances.

Exactly :func:`survey.stats.composite_index` per domain (DK left out per indicator; z_i = w_i Σ_j v_j
(y_ij − mean_j)/W_j over the domain's valid answers, each row centred on its own group's means), but all
groups from one influence vector, and with the covariance matrix between the groups' composites that
rank intervals need (districts are domains of one sample: when strata cross districts their estimates
are correlated). Used for the composite score (y = scores) and for the headline satisfaction rate
Σ_j v_j R_j (y = 0/1 satisfied): the same estimator on other columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..stats import Design, Estimate
from ..stats.design import quantile
from ..stats.domains import MeanStatistics


@dataclass(frozen=True)
class Composites:
    whole: Estimate
    groups: list[Estimate]  # one per group code 0..count−1
    covariance: np.ndarray  # count × count, between the groups' composites


def composites(design: Design, ys: np.ndarray, v: np.ndarray, codes: np.ndarray, whole: MeanStatistics,
               by_group: Sequence[MeanStatistics], *, level: float = 0.95) -> Composites:
    """``whole`` and ``by_group`` are the column means' statistics (``Design.mean_statistics_by``)."""
    count = len(by_group)
    n = design.n
    used = np.flatnonzero(v > 0)
    means = np.array([s.values for s in by_group]).reshape(count, ys.shape[1])
    sums = np.array([s.weight_sums for s in by_group]).reshape(count, ys.shape[1])
    z_group, z_whole = np.zeros(n), np.zeros(n)
    answered = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        coefficients = np.where(sums > 0, v / sums, 0.0)
        for j in used:  # one column at a time: memory stays O(n); a DK gives NaN, then 0
            y = np.ascontiguousarray(ys[:, j])
            answered |= ~np.isnan(y)
            term = (y - means[:, j][codes]) * coefficients[:, j][codes]
            z_group += np.nan_to_num(term, copy=False, nan=0.0)
            if whole.weight_sums[j] > 0:
                term = (y - whole.values[j]) * (v[j] / whole.weight_sums[j])
                z_whole += np.nan_to_num(term, copy=False, nan=0.0)
    z_group *= design.weights
    z_whole *= design.weights
    if design.has_weighting_steps:  # raked: residuals of z are needed, so take the general path
        stacked = np.zeros((n, count + 1))
        stacked[np.arange(n), codes] = z_group
        stacked[:, count] = z_whole
        full = design.covariance(stacked)
        covariance, whole_variance = full[:count, :count], full[count, count]
    else:
        covariance = grouped_covariance(design, z_group, codes, count)
        whole_variance = grouped_covariance(design, z_whole, np.zeros(n, dtype=np.intp), 1)[0, 0]
    q = quantile(level)
    groups = [_estimate(means[i], v, used, covariance[i, i], design, (codes == i) & answered, q)
              for i in range(count)]
    return Composites(_estimate(whole.values, v, used, whole_variance, design, answered, q), groups, covariance)


def _estimate(means: np.ndarray, v: np.ndarray, used: np.ndarray, variance: float, design: Design,
              rows: np.ndarray, q: float) -> Estimate:
    n = int(rows.sum())
    if np.any(np.isnan(means[used])):  # an indicator without a valid answer: no composite
        return Estimate(np.nan, np.nan, np.nan, np.nan, np.nan, n)
    value = float(means[used] @ v[used])
    se = float(np.sqrt(max(variance, 0.0)))
    return Estimate(value, se, value - q * se, value + q * se, np.nan, n, design.lonely_strata(rows))


def grouped_covariance(design: Design, z: np.ndarray, codes: np.ndarray, count: int) -> np.ndarray:
    """Covariance (count × count) of the group totals of ``z``, each row counted for its own group only.

    Rows of different groups never share a row, so Σ_h z_d z_e = 0 for d ≠ e and the stratified
    covariance Σ_h f_h n_h/(n_h − 1) Σ_i (z_di − z̄_dh)(z_ei − z̄_eh) reduces to per-(group, stratum)
    sums of z and z²; a stratum with one respondent is centred at 0 (R's lonely.psu = "adjust").
    """
    strata = len(design.labels)
    bins = codes * strata + design.codes
    s1 = np.bincount(bins, weights=z, minlength=count * strata).reshape(count, strata)
    s2 = np.bincount(bins, weights=z * z, minlength=count * strata).reshape(count, strata)
    n_h = design.stratum_n
    single = n_h == 1
    factor = np.where(single, 1.0, n_h / np.maximum(n_h - 1, 1)) * design.sampling_fraction_complement
    centring = np.where(single, 0.0, 1.0 / n_h)
    covariance = -(s1 * (factor * centring)) @ s1.T
    covariance[np.diag_indices(count)] += s2 @ factor
    return covariance
