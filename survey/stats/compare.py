"""Comparisons: round-over-round differences, multiple-testing control, Rao–Scott tests.

- :func:`difference`: two rounds are independent samples — Δ = θ̂₂ − θ̂₁, SE = √(SE₁² + SE₂²), z-test.
- :func:`adjust_pvalues`: Benjamini–Hochberg (false discovery rate) or Holm (family-wise), as R's
  ``p.adjust``; NaN p-values stay NaN and do not count.
- :func:`rao_scott`: the design-adjusted χ² test of a two-way table, both forms of R's ``svychisq``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ..i18n import N_
from .design import Design, Estimate, _fail, quantile


@dataclass(frozen=True)
class Difference:
    value: float
    se: float
    z: float
    p: float
    ci_low: float
    ci_high: float


def difference(later: Estimate, earlier: Estimate, *, level: float = 0.95) -> Difference:
    """``later − earlier`` for estimates from independent samples, with a two-sided z-test."""
    value = later.value - earlier.value
    se = math.sqrt(later.se ** 2 + earlier.se ** 2)
    if math.isnan(value) or math.isnan(se):  # an estimate is missing (nobody answered): nothing to test
        z = math.nan
    else:
        z = value / se if se > 0 else (math.nan if value == 0 else math.copysign(math.inf, value))
    p = float(2 * sps.norm.sf(abs(z))) if not math.isnan(z) else math.nan
    q = quantile(level)
    return Difference(value, se, z, p, value - q * se, value + q * se)


def adjust_pvalues(p: Sequence[float] | np.ndarray, method: str = "bh") -> np.ndarray:
    """Adjusted p-values in the input order (R's ``p.adjust(p, "BH")`` / ``"holm"``)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    values = p[ok]
    m = values.size
    if m == 0:
        return out
    if np.any((values < 0) | (values > 1)):
        raise _fail(N_("p-values must be between 0 and 1"), "p")
    if method == "bh":
        order = np.argsort(values)[::-1]  # largest first
        ranks = np.arange(m, 0, -1)
        adjusted = np.minimum.accumulate(values[order] * m / ranks)
    elif method == "holm":
        order = np.argsort(values)
        adjusted = np.maximum.accumulate(values[order] * (m - np.arange(m)))
    else:
        raise _fail(N_("unknown adjustment %(method)s (bh or holm)"), "method", method=method)
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    out[ok] = result
    return out


@dataclass(frozen=True)
class RaoScott:
    """Pearson's X² on the weighted table scaled to n, with R's two corrections.

    ``chisq``/``chisq_df``/``chisq_p``: first-order (p from X²/mean eigenvalue on (r−1)(c−1) df —
    ``svychisq(statistic="Chisq")``, which reports the unadjusted X²). ``f``/``f_ndf``/``f_ddf``/``f_p``:
    the second-order F = X²/Σδ on d₀ and d₀·df degrees of freedom (``statistic="F"``).
    """

    chisq: float
    chisq_df: int
    chisq_p: float
    f: float
    f_ndf: float
    f_ddf: float
    f_p: float


def rao_scott(design: Design, row: Any, col: Any) -> RaoScott:
    """Rao–Scott test of independence of ``row`` and ``col`` (each a category per respondent)."""
    row, col = np.asarray(row), np.asarray(col)
    if row.shape != (design.n,) or col.shape != (design.n,):
        raise _fail(N_("row and column must have one value per respondent (%(n)s)"), "row", n=design.n)
    row_levels, r = np.unique(row, return_inverse=True)
    col_levels, c = np.unique(col, return_inverse=True)
    nr, nc = len(row_levels), len(col_levels)
    if nr < 2 or nc < 2:
        raise _fail(N_("a two-way test needs at least two categories in each variable"), "row")
    cells = r + nr * c  # R's interaction(rows, cols): rows vary fastest
    indicator = np.zeros((design.n, nr * nc))
    indicator[np.arange(design.n), cells] = 1.0
    values, z, *_ = design.linearised_means(indicator)
    covariance = design.covariance(z)
    n = design.n

    # Contrasts of the interaction, orthogonal to the main effects (R: qr.resid(qr(X1), X12[, -main])).
    grid_r, grid_c = np.arange(nr * nc) % nr, np.arange(nr * nc) // nr
    main = np.column_stack([np.ones(nr * nc), np.eye(nr)[grid_r][:, 1:], np.eye(nc)[grid_c][:, 1:]])
    inter = np.column_stack([(grid_r == i) & (grid_c == j) for j in range(1, nc) for i in range(1, nr)]).astype(float)
    coef, *_ = np.linalg.lstsq(main, inter, rcond=None)
    contrast = inter - main @ coef
    inverse = np.diag(np.divide(1.0, values, out=np.zeros_like(values), where=values != 0))
    denominator = contrast.T @ (inverse / n) @ contrast
    numerator = contrast.T @ inverse @ covariance @ inverse @ contrast
    delta = np.linalg.solve(denominator, numerator)
    trace = np.trace(delta)
    d0 = trace ** 2 / np.trace(delta @ delta)

    table = np.bincount(cells, weights=design.weights, minlength=nr * nc).reshape(nc, nr).T
    table *= n / table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    x2 = float(np.sum((table - expected) ** 2 / expected))
    df = (nr - 1) * (nc - 1)
    f = x2 / trace
    ddf = d0 * design.df
    return RaoScott(chisq=x2, chisq_df=df, chisq_p=float(sps.chi2.sf(x2 / (trace / df), df)),
                    f=float(f), f_ndf=float(d0), f_ddf=float(ddf), f_p=float(sps.f.sf(f, d0, ddf)))
