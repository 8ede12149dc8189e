"""Means in many domains at once, from per-stratum sums (the fast path of :class:`~.design.Design`).

For a ratio mean R = Σwy/Σw over a domain's valid answers, the influence values z = w(y − R)/W
have per-stratum sums that follow from six sums of the domain's rows in that stratum:

    Σ_h z  = (Σwy − R·Σw) / W
    Σ_h z² = (Σw²y² − 2R·Σw²y + R²·Σw²) / W²

so the variance Σ_h f_h n_h/(n_h − 1) (Σ_h z² − (Σ_h z)²/n_h) needs one pass over the rows for all
domains of a partition (districts, say) and all columns, instead of one pass per domain and column.
The sums add up over domains, so the whole sample's figures come from the same pass. y is shifted by
its plain mean first (the influence values do not change) so the sums do not cancel.

After post-stratification or raking this does not apply (the variance needs residuals of z); the
design then takes the general path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .design import Design

SUMS = ("count", "w", "wy", "wyy", "ww", "wwy", "wwyy")


@dataclass(frozen=True)
class MeanStatistics:
    """Column-wise means of one domain (arrays of length k)."""

    values: np.ndarray
    variances: np.ndarray
    deff: np.ndarray
    n: np.ndarray  # valid answers in the domain
    df: np.ndarray  # R's degf of the domain: n minus the strata it touches
    lonely: list[tuple]  # strata with a single respondent among the domain's rows
    weight_sums: np.ndarray

    def columns(self, keep: np.ndarray) -> MeanStatistics:
        return MeanStatistics(self.values[keep], self.variances[keep], self.deff[keep], self.n[keep],
                              self.df[keep], [x for x, k in zip(self.lonely, keep, strict=True) if k],
                              self.weight_sums[keep])


def stratum_sums(design: Design, ys: np.ndarray, groups: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Sums (7 × groups × strata × k) of every column of ``ys`` by group and stratum, and the shift used.

    ``groups`` gives each row's group in 0..count−1, or −1 for rows in no domain.
    """
    strata = len(design.labels)
    cells = count * strata
    bins = np.where(groups >= 0, groups * strata + design.codes, cells)  # cell `cells` collects the rest
    k = ys.shape[1]
    out = np.empty((len(SUMS), cells, k))
    shift = np.zeros(k)
    w = design.weights
    included = groups >= 0
    for j in range(k):  # one column at a time: memory stays O(n)
        y = np.ascontiguousarray(ys[:, j])
        valid = ~np.isnan(y) & included
        if valid.any():
            shift[j] = y[valid].mean()
        yc = np.where(valid, y - shift[j], 0.0)
        wv = valid * w
        wy = yc * w
        for q, values in enumerate((valid.astype(float), wv, wy, wy * yc, wv * w, wy * w, wy * wy)):
            out[q, :, j] = np.bincount(bins, weights=values, minlength=cells + 1)[:cells]
    return out.reshape(len(SUMS), count, strata, k), shift


def statistics(design: Design, sums: np.ndarray, shift: np.ndarray) -> MeanStatistics:
    """One domain's :class:`MeanStatistics` from its sums (7 × strata × k)."""
    count, a, b, c, d, e, f = sums
    n_h = design.stratum_n[:, None].astype(float)
    single = design.stratum_n == 1
    with np.errstate(invalid="ignore", divide="ignore"):
        total_w = a.sum(axis=0)
        ratio = b.sum(axis=0) / total_w
        s1 = (b - ratio * a) / total_w
        s2 = (f - 2 * ratio * e + ratio ** 2 * d) / total_w ** 2
        # R's lonely.psu = "adjust": a stratum with one respondent is centred at 0, not its own mean.
        spread = np.where(single[:, None], s2, s2 - s1 ** 2 / n_h)
        factor = np.where(single, 1.0, design.stratum_n / np.maximum(design.stratum_n - 1, 1))
        factor = factor * design.sampling_fraction_complement
        variances = np.maximum((factor[:, None] * spread).sum(axis=0), 0.0)
        n = count.sum(axis=0)
        s2_srs = (c.sum(axis=0) - 2 * ratio * b.sum(axis=0) + ratio ** 2 * total_w) / total_w * n / (n - 1)
        deff = variances / (s2_srs / n * np.maximum(0.0, (total_w - n) / total_w))
    occupied = count > 0
    lonely = [tuple(design.labels[single & occupied[:, j]].tolist()) for j in range(count.shape[1])]
    return MeanStatistics(ratio + shift, variances, deff, n.astype(int), (n - occupied.sum(axis=0)).astype(int),
                          lonely, total_w)


def grouped_variances(design: Design, z: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
    """Variance of the total of ``z`` (n) within each group's domain (z counted only for its own group)."""
    strata = len(design.labels)
    bins = np.where(groups >= 0, groups * strata + design.codes, count * strata)
    s1 = np.bincount(bins, weights=z, minlength=count * strata + 1)[:-1].reshape(count, strata)
    s2 = np.bincount(bins, weights=z * z, minlength=count * strata + 1)[:-1].reshape(count, strata)
    single = design.stratum_n == 1
    factor = np.where(single, 1.0, design.stratum_n / np.maximum(design.stratum_n - 1, 1))
    factor = factor * design.sampling_fraction_complement
    spread = np.where(single, s2, s2 - s1 ** 2 / design.stratum_n)
    return np.maximum((spread * factor).sum(axis=1), 0.0)
