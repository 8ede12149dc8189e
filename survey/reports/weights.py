"""A round's weights and design (DOMAIN.md, "Estimation" → Weights).

Base weight N_h / released_h, then the nonresponse adjustment with the stratum as weighting class:
Σ base(released in h) / Σ base(respondents in h) = released_h / completes_h, so the final weight is
N_h / completes_h and the base weight cancels. The design is built with those weights directly
(R: ``svydesign(id=~1, strata=~h, weights=~N_h/n_h, fpc=~N_h)``), which is exactly what
:func:`survey.stats.adjust_nonresponse` returns (its adjusted weights are then treated as fixed) and
what :func:`survey.stats.poststratify` on the strata gives, variance included: with weights constant
within a stratum its residual step only subtracts each stratum's mean of z, which the stratified
variance formula subtracts anyway. Building it directly keeps the fast per-stratum-sums path and
needs no rows for the non-respondents.

``fpc``: :class:`~survey.stats.Design` takes the stratum population N_h per respondent and uses the
sampling fraction completes_h / N_h itself.

Raking (``weighting="raked"``) then calibrates those weights by iterative proportional fitting to
district × urban/rural populations (district population × urban share) and to sex 50/50 of the same
total; its variance is :func:`survey.stats.rake`'s (regression residuals on the margins' indicators).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import ValidationError
from ..i18n import N_
from ..stats import Design, rake

WEIGHTINGS = ("nonresponse", "raked")
SEXES = ("M", "F")


def invalid(message: str, field: str, **params: Any) -> ValidationError:
    text = message % params if params else message
    return ValidationError(message, details=[{"field": field, "message": text}], params=params)


@dataclass(frozen=True)
class Weighted:
    design: Design
    population: float  # Σ N_h over every stratum of the round
    empty_strata: tuple[int, ...]  # strata with population but no respondent: not represented


def nonresponse_design(strata: np.ndarray, population: Mapping[int, int], released: Mapping[int, int]) -> Weighted:
    """The respondents' design with weights N_h / completes_h (see the module docstring)."""
    strata = np.asarray(strata)
    keys = np.array(sorted(population))
    if keys.size == 0:
        raise invalid(N_("the round has no strata"), "strata")
    # A look-up in the (few) sorted stratum ids instead of sorting the respondents: O(n log H).
    index = np.minimum(np.searchsorted(keys, strata), keys.size - 1)
    unknown = keys[index] != strata
    if unknown.any():
        raise invalid(N_("respondents in stratum %(stratum)s, which the round does not have"), "strata",
                      stratum=_plain(strata[int(np.argmax(unknown))]))
    completes = np.bincount(index, minlength=keys.size)
    size = np.array([population[h] for h in keys.tolist()], dtype=float)
    issued = np.array([released.get(h, 0) for h in keys.tolist()], dtype=float)
    bad = (completes > 0) & ~((completes <= issued) & (issued <= size))
    if bad.any():
        raise ValidationError(N_("the strata's population and released counts do not fit the interviews"), details=[
            {"field": "strata", "message": f"stratum {keys[h]}: {completes[h]} completes, {issued[h]:.0f} released, "
                                           f"population {size[h]:.0f} (need completes ≤ released ≤ N)"}
            for h in np.flatnonzero(bad)])
    with np.errstate(divide="ignore"):
        weights = (size / completes)[index]
    design = Design(strata, weights, size[index])
    empty = tuple(_plain(h) for h in keys[(completes == 0) & (size > 0)])
    return Weighted(design, float(size.sum()), empty)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def district_margins(districts: Sequence[tuple[str, float, float]]) -> dict[tuple[str, bool], float]:
    """Population of each (district, urban?) cell from (code, population, urban share)."""
    cells = {}
    for code, population, urban_share in districts:
        if population is None or urban_share is None or not 0 <= urban_share <= 1:
            raise invalid(N_("district %(code)s needs a population and an urban share between 0 and 1 for raking"),
                          "weighting", code=code)
        cells[(code, True)] = float(population) * float(urban_share)
        cells[(code, False)] = float(population) * (1 - float(urban_share))
    return cells


def raked_design(design: Design, districts: np.ndarray, urban: np.ndarray | None, sex: np.ndarray | None,
                 cells: Mapping[tuple[str, bool], float]) -> Design:
    """``design`` raked to the district × urban/rural cells and to sex 50/50 of the same total."""
    if urban is None or sex is None:
        raise invalid(N_("raking needs every respondent's urban/rural and sex"), "weighting")
    urban = np.asarray(urban, dtype=bool)
    sex = np.asarray(sex).astype(str)
    odd = sorted(set(np.unique(sex).tolist()) - set(SEXES))
    if odd:
        raise invalid(N_("raking needs sex M or F for every respondent, not %(values)s"), "weighting",
                      values=", ".join(repr(v) for v in odd))
    keys = sorted(cells)
    index = {key: i for i, key in enumerate(keys)}
    labels, inverse = np.unique(np.asarray(districts).astype(str), return_inverse=True)
    problems = [f"{code}: not a district with a population" for code in labels.tolist()
                if (code, True) not in index]
    if problems:
        raise ValidationError(N_("raking needs every respondent's district to have a population"),
                              details=[{"field": "weighting", "message": p} for p in problems])
    rural = np.array([index[(code, False)] for code in labels.tolist()])
    cell = rural[inverse] + urban  # keys sort (code, False) just before (code, True)
    present = np.bincount(cell, minlength=len(keys)) > 0
    uncovered = [f"{code} {'urban' if is_urban else 'rural'}" for (code, is_urban), seen, size
                 in zip(keys, present, (cells[k] for k in keys), strict=True) if size > 0 and not seen]
    if uncovered:
        raise invalid(N_("no respondents in %(cells)s: raking cannot reach those populations (use the nonresponse "
                         "weighting, or merge cells)"), "weighting", cells=", ".join(uncovered))
    if np.any([cells[keys[c]] <= 0 for c in np.flatnonzero(present)]):
        raise invalid(N_("respondents in a district's urban or rural part whose population is 0"), "weighting")
    totals = {i: cells[key] for i, key in enumerate(keys) if cells[key] > 0}
    total = sum(totals.values())
    raked = rake(design, [(cell, totals), (sex, {s: total / 2 for s in SEXES})])
    margins = [(cell, len(keys)), ((sex == SEXES[1]).astype(np.intp), len(SEXES))]
    return design.reweighted(raked.weights, calibration_residualiser(design.weights, raked.weights, margins))


def calibration_residualiser(base: np.ndarray, weights: np.ndarray,
                             margins: Sequence[tuple[np.ndarray, int]]) -> Callable[[np.ndarray], np.ndarray]:
    """The residual step of :func:`survey.stats.rake`'s variance, factorised once instead of per call.

    ``rake`` takes weighted least-squares residuals of z/g (g = weights/base) on the margins' indicators X
    with ``lstsq`` on the n × m matrix X·√base at every variance call (~3 s at 10⁶ rows; a report makes ~16
    calls). Written out, that residual is z − w·(Xc) with c = (Xᵀ·diag(base)·X)⁺ Xᵀ(base·z/w): a row's
    adjustment depends only on its combination of margin groups. So everything goes through per-combination
    sums (a sparse indicator product) and the small Gram matrix, whose pseudo-inverse (eigenvalues below
    1e-10 of the largest dropped: each margin's indicators add up to 1, so X is rank-deficient) gives the
    same projection as ``lstsq``. ``margins``: each row's group code in each margin and its number of groups.
    """
    sizes = [size for _, size in margins]
    combination = np.zeros(len(base), dtype=np.intp)
    for codes, size in margins:  # mixed radix: one code per combination of groups
        combination = combination * size + np.asarray(codes, dtype=np.intp)
    count = int(np.prod(sizes))
    digits = np.array(np.unravel_index(np.arange(count), sizes)).T  # combination → its group in each margin
    offsets = np.cumsum([0, *sizes[:-1]])
    indicators = np.zeros((count, sum(sizes)))
    for i, offset in enumerate(offsets):
        indicators[np.arange(count), offset + digits[:, i]] = 1.0
    rows = sparse.csr_matrix((np.ones(len(base)), (combination, np.arange(len(base)))), shape=(count, len(base)))
    gram = indicators.T @ (indicators * (rows @ base)[:, None])
    values, vectors = np.linalg.eigh(gram)
    keep = values > 1e-10 * values.max()
    inverse = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
    ratio = base / weights

    def residualise(z: np.ndarray) -> np.ndarray:
        coef = inverse @ (indicators.T @ (rows @ (z * ratio[:, None])))
        return z - weights[:, None] * (indicators @ coef)[combination]

    return residualise
