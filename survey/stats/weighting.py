"""Weighting steps (DOMAIN.md, "Estimation" → Weights). Each returns a new :class:`Design`.

- :func:`adjust_nonresponse` spreads the weight of non-respondents over the respondents of their
  weighting class (class = stratum gives N_h / respondents_h).
- :func:`poststratify` scales weights to known population counts (R's ``postStratify``); the
  variance uses residuals from the post-stratum means of z/w, exactly as R's ``svyrecvar`` does.
- :func:`rake` is iterative proportional fitting to several margins; its variance uses residuals of
  a weighted regression on the margins' indicators, as R's ``calibrate(..., calfun="raking")``.
- :func:`kish_deff` is 1 + CV²(w).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ValidationError
from ..i18n import N_
from .design import Design, _fail, as_vector


def kish_deff(weights: Sequence[float] | np.ndarray) -> float:
    """Kish's design effect of unequal weights: n Σw² / (Σw)² = 1 + CV² (CV with divisor n)."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        raise _fail(N_("no weights"), "weights")
    return float(w.size * np.sum(w * w) / np.sum(w) ** 2)


def adjust_nonresponse(design: Design, classes: Any, responded: Any) -> Design:
    """The respondents' design, each weight multiplied by Σw(class) / Σw(respondents in class).

    ``design`` holds every released case with its base weight; the result has one row per respondent,
    in the original order. The adjusted weights are then treated as fixed, as usual.
    """
    classes = np.asarray(classes)
    responded = as_vector(responded, design.n, "responded", dtype=bool)
    if classes.shape != (design.n,):
        raise _fail(N_("classes must have one value per case (%(n)s)"), "classes", n=design.n)
    labels, codes = np.unique(classes, return_inverse=True)
    everyone = np.bincount(codes, weights=design.weights, minlength=len(labels))
    respondents = np.bincount(codes, weights=design.weights * responded, minlength=len(labels))
    empty = (respondents == 0) & (everyone > 0)
    if empty.any():
        raise _fail(N_("weighting class %(cls)s has no respondents: merge it with a neighbour"), "classes",
                    cls=str(labels[int(np.argmax(empty))]))
    factor = np.divide(everyone, respondents, out=np.zeros_like(everyone), where=respondents > 0)
    adjusted = design.weights * factor[codes]
    return design.rows(responded).reweighted(adjusted[responded])


def _group_codes(design: Design, groups: Any, totals: Mapping[Any, float], name: str) -> tuple[np.ndarray, np.ndarray]:
    """Row → index into the totals, and the totals as an array; every group needs a positive total."""
    groups = np.asarray(groups)
    if groups.shape != (design.n,):
        raise _fail(N_("%(name)s must have one value per respondent (%(n)s)"), name, name=name, n=design.n)
    keys = list(totals)
    index = {key: i for i, key in enumerate(keys)}
    codes = np.empty(design.n, dtype=np.intp)
    problems = []
    for g in np.unique(groups):
        plain = g.item() if isinstance(g, np.generic) else g
        if plain not in index:
            problems.append({"field": name, "message": f"no population total for group {plain!r}"})
            continue
        codes[groups == g] = index[plain]
    if problems:
        raise ValidationError(N_("every group in the sample needs a population total"), details=problems)
    target = np.asarray([totals[k] for k in keys], dtype=float)
    present = np.bincount(codes, minlength=len(keys)) > 0
    missing = [str(k) for k, p in zip(keys, present, strict=True) if not p]
    if missing:
        raise _fail(N_("no respondents in group(s) %(groups)s: merge them with a neighbour"), name,
                    groups=", ".join(missing))
    if np.any(~np.isfinite(target)) or np.any(target <= 0):
        raise _fail(N_("population totals must be positive numbers"), name)
    return codes, target


def poststratify(design: Design, groups: Any, totals: Mapping[Any, float]) -> Design:
    """Weights scaled so each post-stratum's weights add up to its population count (R's ``postStratify``)."""
    codes, target = _group_codes(design, groups, totals, "groups")
    k = len(target)
    factor = target / np.bincount(codes, weights=design.weights, minlength=k)
    weights = design.weights * factor[codes]
    old = design.weights
    old_sums = np.bincount(codes, weights=old, minlength=k)

    def residualise(z: np.ndarray) -> np.ndarray:
        # R (svyrecvar): x − psw · (Σ x·oldw/psw ÷ Σ oldw within the post-stratum), psw the new weights.
        sums = np.zeros((k, z.shape[1]))
        np.add.at(sums, codes, z * (old / weights)[:, None])
        return z - (sums / old_sums[:, None])[codes] * weights[:, None]

    return design.reweighted(weights, residualise)


def rake(design: Design, margins: Sequence[tuple[Any, Mapping[Any, float]]], tol: float = 1e-10,
         max_iter: int = 100) -> Design:
    """Iterative proportional fitting to every margin until each margin's totals are within ``tol``
    (relative); raises if it does not converge (margins that disagree, or empty cells)."""
    if not margins:
        raise _fail(N_("raking needs at least one margin"), "margins")
    coded = [_group_codes(design, groups, totals, f"margin {i + 1}") for i, (groups, totals) in enumerate(margins)]
    sums = [t.sum() for _, t in coded]
    if max(sums) - min(sums) > 1e-9 * max(sums):
        raise _fail(N_("the margins do not add up to the same population (%(totals)s)"), "margins",
                    totals=", ".join(f"{s:,.0f}" for s in sums))
    weights = design.weights.copy()
    for _ in range(max_iter):
        for codes, target in coded:
            weights *= (target / np.bincount(codes, weights=weights, minlength=len(target)))[codes]
        gap = max(np.max(np.abs(np.bincount(c, weights=weights, minlength=len(t)) - t) / t) for c, t in coded)
        if gap < tol:
            break
    else:
        raise _fail(N_("raking did not converge in %(n)s iterations (largest relative gap %(gap).2e)"), "margins",
                    n=max_iter, gap=gap)
    base = design.weights
    indicators = np.hstack([np.eye(len(t))[c] for c, t in coded])
    root = np.sqrt(base)[:, None]
    design_matrix = indicators * root

    def residualise(z: np.ndarray) -> np.ndarray:
        # R (greg calibration): qr.resid(qr(X·√w0), z/(g·√w0)) · g·√w0 — a weighted least-squares
        # residual of z/w on the margins' indicators, times w. Rank-deficient X is fine: the residual
        # of a projection does not depend on the basis.
        target = z / (weights[:, None] / root)
        coef, *_ = np.linalg.lstsq(design_matrix, target, rcond=None)
        return (target - design_matrix @ coef) * (weights[:, None] / root)

    return design.reweighted(weights, residualise)
