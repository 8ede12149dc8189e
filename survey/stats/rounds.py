"""A round's headline figures in every domain, and what changed since the previous round.

:func:`estimate_round` gives, per domain (city, each district, each department…), every indicator's
score and satisfaction rate and the composite index. :func:`compare_rounds` tests every domain ×
measure difference against the previous round and controls the false discovery rate over all of
them at once (Benjamini–Hochberg), so "significant change" is flagged only when it survives that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compare import Difference, adjust_pvalues, difference
from .design import Design, Estimate, check_binary, quantile
from .domains import MeanStatistics, grouped_variances
from .satisfaction import check_indicator_weights, composite_index

COMPOSITE = "composite"
ALL = "all"  # the whole sample's domain (the city)


@dataclass(frozen=True)
class DomainEstimates:
    scores: list[Estimate]  # one per indicator
    rates: list[Estimate]  # one per indicator
    composite: Estimate


def estimate_round(design: Design, scores: Any, satisfied: Any, indicator_weights: Sequence[float],
                   groups: Any = None, *, ci: str = "logit", level: float = 0.95) -> dict[Any, DomainEstimates]:
    """Estimates for the whole sample (key :data:`ALL`) and for each group's domain (e.g. district).

    ``scores`` and ``satisfied`` are respondents × indicators (NaN = don't know), as in
    :mod:`.satisfaction`; all domains come from one pass over the rows (:mod:`.domains`).
    """
    scores = np.asarray(scores, dtype=float)
    satisfied = np.asarray(satisfied, dtype=float)
    check_binary(satisfied)
    v = check_indicator_weights(indicator_weights, scores.shape[1])
    if groups is None:
        groups = np.zeros(design.n, dtype=int)
    score_all, score_by = design.mean_statistics_by(scores, groups)
    rate_all, rate_by = design.mean_statistics_by(satisfied, groups)
    labels, codes = np.unique(np.asarray(groups), return_inverse=True)
    composites = _composites(design, scores, v, codes, [score_by[label] for label in labels.tolist()], level)
    whole = _composites(design, scores, v, np.zeros(design.n, dtype=int), [score_all], level)[0]
    out = {ALL: DomainEstimates(design.estimates(score_all, level=level),
                                design.estimates(rate_all, ci=ci, level=level), whole)}
    for i, label in enumerate(labels.tolist()):
        out[label] = DomainEstimates(design.estimates(score_by[label], level=level),
                                     design.estimates(rate_by[label], ci=ci, level=level), composites[i])
    return out


def _composites(design: Design, scores: np.ndarray, v: np.ndarray, codes: np.ndarray,
                stats: list[MeanStatistics], level: float) -> list[Estimate]:
    """The composite index of every group from one influence vector: each row centred on its own group."""
    if design.has_weighting_steps:
        return [composite_index(design, scores, v, codes == i, level=level) for i in range(len(stats))]
    used = v > 0
    means = np.array([s.values for s in stats])[:, used]
    totals = np.array([s.weight_sums for s in stats])[:, used]
    centred = np.where(np.isnan(scores[:, used]), 0.0, scores[:, used] - means[codes])
    z = design.weights * np.einsum("ij,ij->i", centred, v[used] / totals[codes])
    variances = grouped_variances(design, z, codes, len(stats))
    answered = ~np.isnan(scores[:, used]).all(axis=1)
    q = quantile(level)
    out = []
    for i, s in enumerate(stats):
        rows = (codes == i) & answered
        if np.any(np.isnan(s.values[used])):
            out.append(Estimate(np.nan, np.nan, np.nan, np.nan, np.nan, int(rows.sum())))
            continue
        value = float(s.values[used] @ v[used])
        se = float(np.sqrt(variances[i]))
        out.append(Estimate(value, se, value - q * se, value + q * se, np.nan, int(rows.sum()),
                            design.lonely_strata(rows)))
    return out


@dataclass(frozen=True)
class Change:
    difference: Difference
    p_adjusted: float
    significant: bool


def compare_rounds(current: Mapping[Any, DomainEstimates], previous: Mapping[Any, DomainEstimates], *,
                   comparable: Sequence[bool] | None = None, alpha: float = 0.05,
                   method: str = "bh") -> dict[tuple[str, str, Any], Change]:
    """Changes of scores, rates and composite, keyed ``(domain, "score" | "rate" | "composite", indicator)``.

    Indicators marked not comparable (wording or scale changed) are left out — they are not tested — and
    so is the composite when any indicator in it is not comparable. Domains missing from either round
    are skipped. All the remaining tests form one family for the adjustment.
    """
    keys: list[tuple[str, str, Any]] = []
    diffs: list[Difference] = []
    for name, now in current.items():
        before = previous.get(name)
        if before is None:
            continue
        for j, (a, b) in enumerate(zip(now.scores, before.scores, strict=True)):
            if comparable is None or comparable[j]:
                keys.append((name, "score", j))
                diffs.append(difference(a, b))
                keys.append((name, "rate", j))
                diffs.append(difference(now.rates[j], before.rates[j]))
        if comparable is None or all(comparable):
            keys.append((name, COMPOSITE, None))
            diffs.append(difference(now.composite, before.composite))
    adjusted = adjust_pvalues([d.p for d in diffs], method)
    return {key: Change(d, float(p), bool(p <= alpha)) for key, d, p in zip(keys, diffs, adjusted, strict=True)}
