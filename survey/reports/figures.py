"""Every statistic of a round report, from bulk-loaded arrays to a JSON-ready dict (the snapshot's figures).

:func:`build_figures` weights the round (:mod:`.weights`), estimates every indicator's score and
satisfaction rate, the composite index and the headline satisfaction rate for the city and every district
(``survey.stats``, one pass over the rows for all domains), ranks the districts with simultaneous rank
intervals (:mod:`.ranking`) and, given the previous round, tests every change with one Benjamini–Hochberg
family (:mod:`.changes`). Scores are on the questionnaire's 0–100 scale; rates are shares (0–1).

The headline satisfaction rate is Σ_j v_j R_j with the indicator weights v — the composite index's
estimator applied to the 0/1 "satisfied" columns (DK left out per indicator, z_i = Σ_j v_j z_ij), which is
what ``estimate_round(design, satisfied, satisfied, v)`` would give as its composite. Its interval is the
composite's Wald interval when ``ci="wald"`` and otherwise the logit one (the delta method on logit R,
which keeps it inside (0, 1)); Wilson and Korn–Graubard need a binomial effective sample size, which an
average of several proportions does not have, so they fall back to logit for this one figure.

Layout (E = {"value", "se", "low", "high", "n", "deff"}, None for NaN; k indicators in "indicators" order):

    settings   {weighting, ci, level, rate_ci, rank_method}
    sample     {respondents, strata, deff_weights, weight_sum, population, empty_strata, lonely_strata, unassigned}
    indicators [{code, name_zh, name_en, weight, comparable}]          weights normalised to add up to 1
    districts  [{code, name_zh, name_en}]
    cells      {"all" | district code: {composite: E, rate: E, scores: [E] * k, rates: [E] * k}}
    ranking    [{district, value, low, high, rank, rank_low, rank_high}]   best first, unranked (None) last
    changes    None | [{domain, measure, indicator, comparable, before, after, diff, se, low, high, p, q,
                        significant}]    measure "composite" | "rate" | "score"; indicator None for the
                                         composite and the headline rate
    headline   {composite: E, rate: E, change_composite: C | None, change_rate: C | None}
               C = {diff, low, high, p, q, significant}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..i18n import N_
from ..stats import CI_METHODS, Design, Estimate, kish_deff
from ..stats.design import check_binary
from ..stats.domains import MeanStatistics
from ..stats.intervals import proportion_interval
from .changes import Pair, change_rows
from .composite import composites
from .ranking import rank_intervals
from .weights import WEIGHTINGS, Weighted, district_margins, invalid, nonresponse_design, raked_design

ALL = "all"  # the city's domain
RANK_METHOD = "pairwise-bonferroni"  # see ranking.py
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    name_zh: str
    name_en: str
    weight: float  # relative; normalised to add up to 1


@dataclass(frozen=True)
class DistrictInfo:
    code: str
    name_zh: str
    name_en: str
    population: int
    urban_share: float


@dataclass(frozen=True)
class RoundData:
    """What the database side bulk-loads for one round; arrays are aligned per respondent."""

    round_id: int
    name: str
    strata: np.ndarray  # int stratum id per respondent
    stratum_population: Mapping[int, int]  # N_h per stratum id
    stratum_released: Mapping[int, int]  # numbers released per stratum (base weight N_h / released_h)
    districts: np.ndarray  # district code per respondent ("" or an unknown code: counted for the city only)
    scores: np.ndarray  # respondents × indicators, NaN = don't know / not asked
    satisfied: np.ndarray  # respondents × indicators, 1/0, NaN = don't know
    indicators: Sequence[IndicatorInfo]
    district_info: Sequence[DistrictInfo]
    urban: np.ndarray | None = None  # bool per respondent (for raking)
    sex: np.ndarray | None = None  # "M"/"F" per respondent (for raking)


@dataclass(frozen=True)
class _Cell:
    scores: list[Estimate]
    rates: list[Estimate]
    composite: Estimate
    rate: Estimate  # headline Σ v_j R_j


@dataclass(frozen=True)
class _Round:
    cells: dict[str, _Cell]  # ALL and every district with respondents
    ranked: list[str]  # districts with respondents, in the order of ``covariance``
    covariance: np.ndarray  # between those districts' composites
    weighted: Weighted
    design: Design
    unassigned: int  # respondents without a known district (city figures only)


def build_figures(current: RoundData, *, previous: RoundData | None = None, comparable: Collection[str] | None = None,
                  weighting: str = "nonresponse", ci: str = "logit", level: float = 0.95,
                  progress: Progress | None = None) -> dict:
    """The report's statistics as plain JSON values (NaN → None), laid out as the module docstring shows.

    ``comparable``: codes of the indicators whose question is comparable with the previous round's (None:
    all); an indicator the previous round does not have is never comparable.
    """
    if weighting not in WEIGHTINGS:
        raise invalid(N_("unknown weighting %(name)s (one of %(names)s)"), "weighting", name=weighting,
                      names=", ".join(WEIGHTINGS))
    if ci not in CI_METHODS:
        raise invalid(N_("unknown interval method %(method)s"), "ci", method=ci)
    if not 0 < level < 1:
        raise invalid(N_("the confidence level must be between 0 and 1, not %(level)s"), "level", level=level)
    report = progress or (lambda done, total, message: None)
    total = 4 if previous is not None else 2
    report(0, total, "estimating the round")
    v = _indicator_weights(current)
    now = _estimate_round(current, v, weighting, ci, level)
    report(1, total, "ranking districts")
    ranking = _ranking(current, now, level)
    report(2, total, "districts ranked")
    codes = [i.code for i in current.indicators]
    flags = [comparable is None or code in comparable for code in codes]
    changes, before = None, None
    if previous is not None:
        before = _estimate_round(previous, _indicator_weights(previous), weighting, ci, level)
        report(3, total, "comparing with the previous round")
        previous_codes = [i.code for i in previous.indicators]
        flags = [flag and code in previous_codes for flag, code in zip(flags, codes, strict=True)]
        changes = change_rows(_pairs(current, previous, now, before, flags, v), level=level)
        report(4, total, "changes tested")
    return {
        "settings": {"weighting": weighting, "ci": ci, "level": level, "rate_ci": "wald" if ci == "wald" else "logit",
                     "rank_method": RANK_METHOD},
        "sample": _sample(now),
        "indicators": [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "weight": float(w),
                        "comparable": bool(flag)} for i, w, flag in zip(current.indicators, v, flags, strict=True)],
        "districts": [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en} for d in current.district_info],
        "cells": {name: _cell_json(now.cells.get(name), len(codes))
                  for name in [ALL, *(d.code for d in current.district_info)]},
        "ranking": ranking,
        "changes": changes,
        "headline": _headline(now, changes),
    }


# --- one round --------------------------------------------------------------------------------------

def _estimate_round(data: RoundData, v: np.ndarray, weighting: str, ci: str, level: float) -> _Round:
    scores, satisfied = _check(data)
    weighted = nonresponse_design(data.strata, data.stratum_population, data.stratum_released)
    districts = np.asarray(data.districts).astype(str)
    if weighting == "raked":
        cells = district_margins([(d.code, d.population, d.urban_share) for d in data.district_info])
        design = raked_design(weighted.design, districts, data.urban, data.sex, cells)
    else:
        design = weighted.design
    labels, codes = np.unique(districts, return_inverse=True)
    labels = labels.tolist()
    score_all, score_by = design.mean_statistics_by(scores, codes)
    rate_all, rate_by = design.mean_statistics_by(satisfied, codes)
    rate_all, rate_by = _exact_shares(rate_all), {i: _exact_shares(s) for i, s in rate_by.items()}
    score_c = composites(design, scores, v, codes, score_all, [score_by[i] for i in range(len(labels))], level=level)
    rate_c = composites(design, satisfied, v, codes, rate_all, [rate_by[i] for i in range(len(labels))], level=level)
    out = {ALL: _Cell(design.estimates(score_all, level=level), design.estimates(rate_all, ci=ci, level=level),
                      score_c.whole, _rate_interval(rate_c.whole, ci, level))}
    known = {d.code for d in data.district_info}
    for i, label in enumerate(labels):
        if label in known:
            out[label] = _Cell(design.estimates(score_by[i], level=level),
                               design.estimates(rate_by[i], ci=ci, level=level),
                               score_c.groups[i], _rate_interval(rate_c.groups[i], ci, level))
    index = {label: i for i, label in enumerate(labels)}
    ranked = [d.code for d in data.district_info if d.code in index]
    order = [index[code] for code in ranked]
    unassigned = int(sum(np.count_nonzero(codes == i) for i, label in enumerate(labels) if label not in known))
    return _Round(out, ranked, score_c.covariance[np.ix_(order, order)], weighted, design, unassigned)


SNAP = 1e-9  # no real share is this close to 0 or 1 (that would take 10⁹ respondents)


def _exact_shares(stats: MeanStatistics) -> MeanStatistics:
    """Shares within rounding of 0 or 1 made exact, with variance 0.

    "All 37 satisfied" can come out as 0.9999999999999999 from the sums; the logit interval then divides
    rounding noise by p(1 − p) ≈ 1e-16 and overflows instead of taking the documented Clopper–Pearson
    fall-back for p̂ = 0 or 1.
    """
    nearest = np.round(stats.values)
    snap = (np.abs(stats.values - nearest) < SNAP) & np.isin(nearest, (0.0, 1.0))
    if not snap.any():
        return stats
    return replace(stats, values=np.where(snap, nearest, stats.values),
                   variances=np.where(snap, 0.0, stats.variances))


def _rate_interval(rate: Estimate, ci: str, level: float) -> Estimate:
    if math.isnan(rate.value):
        return rate
    nearest = round(rate.value)
    if nearest in (0, 1) and abs(rate.value - nearest) < SNAP:  # as _exact_shares
        rate = Estimate(float(nearest), 0.0, float(nearest), float(nearest), rate.deff, rate.n, rate.lonely_strata)
    if ci == "wald":
        return rate
    low, high = proportion_interval(rate.value, rate.se ** 2, method="logit", level=level, df=None, n=rate.n,
                                    design_df=0)
    return Estimate(rate.value, rate.se, low, high, rate.deff, rate.n, rate.lonely_strata)


def _indicator_weights(data: RoundData) -> np.ndarray:
    if not data.indicators:
        raise invalid(N_("a report needs at least one indicator"), "indicators")
    v = np.array([i.weight for i in data.indicators], dtype=float)
    if not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
        raise invalid(N_("indicator weights must be non-negative with a positive sum"), "indicators")
    return v / v.sum()


def _check(data: RoundData) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(data.strata).shape[0] if np.ndim(data.strata) == 1 else -1
    if n <= 0:
        raise invalid(N_("the round has no completed interviews to report on"), "strata")
    k = len(data.indicators)
    scores = np.asarray(data.scores, dtype=float)
    satisfied = np.asarray(data.satisfied, dtype=float)
    for name, array in (("scores", scores), ("satisfied", satisfied)):
        if array.shape != (n, k):
            raise invalid(N_("%(name)s must be respondents × indicators (%(n)s × %(k)s), not %(shape)s"), name,
                          name=name, n=n, k=k, shape=tuple(array.shape))
    for name, array in (("districts", data.districts), ("urban", data.urban), ("sex", data.sex)):
        if array is not None and np.shape(array) != (n,):
            raise invalid(N_("%(name)s must have one value per respondent (%(n)s)"), name, name=name, n=n)
    missing = np.isnan(scores)
    if not np.array_equal(missing, np.isnan(satisfied)):
        raise invalid(N_("scores and satisfied must have the same don't-know answers"), "satisfied")
    if np.isinf(scores).any():
        raise invalid(N_("scores must be finite numbers"), "scores")
    check_binary(satisfied)
    for field, items in (("indicators", data.indicators), ("district_info", data.district_info)):
        seen = [item.code for item in items]
        if len(set(seen)) != len(seen) or ALL in seen:
            raise invalid(N_("%(name)s codes must be unique and not %(all)r"), field, name=field, all=ALL)
    return scores, satisfied


def _sample(now: _Round) -> dict[str, Any]:
    design = now.design
    return {
        "respondents": int(design.n), "strata": len(design.labels), "deff_weights": kish_deff(design.weights),
        "weight_sum": float(design.weights.sum()), "population": now.weighted.population,
        "empty_strata": [_plain(h) for h in now.weighted.empty_strata],
        "lonely_strata": [_plain(h) for h in design.lonely_strata()], "unassigned": now.unassigned,
    }


# --- ranking, changes, headline ---------------------------------------------------------------------

def _ranking(data: RoundData, now: _Round, level: float) -> list[dict[str, Any]]:
    """Districts by composite, best first; districts without a composite last, unranked."""
    values = np.array([now.cells[code].composite.value for code in now.ranked])
    finite = np.flatnonzero(np.isfinite(values))
    ranks = rank_intervals(values[finite], now.covariance[np.ix_(finite, finite)], level=level)
    by_code = {now.ranked[i]: rank for i, rank in zip(finite.tolist(), ranks, strict=True)}
    rows = []
    for d in data.district_info:
        composite = now.cells[d.code].composite if d.code in now.cells else None
        rank = by_code.get(d.code)
        rows.append({"district": d.code, "value": _number(composite, "value"), "low": _number(composite, "ci_low"),
                     "high": _number(composite, "ci_high"), "rank": rank and rank.rank,
                     "rank_low": rank and rank.low, "rank_high": rank and rank.high})
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, -(row["value"] or 0)))
    return rows


def _pairs(current: RoundData, previous: RoundData, now: _Round, before: _Round, flags: list[bool],
           v: np.ndarray) -> list[Pair]:
    """Every domain × measure of the current round that the previous round also has a domain for."""
    previous_index = {i.code: j for j, i in enumerate(previous.indicators)}
    v_before = dict(zip(previous_index, _indicator_weights(previous), strict=True))
    same_weights = set(v_before) == {i.code for i in current.indicators} and all(
        abs(v_before[i.code] - w) <= 1e-9 for i, w in zip(current.indicators, v, strict=True))
    whole = all(flags) and same_weights  # composite and headline rate comparable
    pairs = []
    for domain in [ALL, *(d.code for d in current.district_info)]:
        a, b = now.cells.get(domain), before.cells.get(domain)
        if a is None or b is None:
            continue
        pairs.append(Pair(domain, "composite", None, a.composite, b.composite, whole))
        pairs.append(Pair(domain, "rate", None, a.rate, b.rate, whole))
        for i, (indicator, flag) in enumerate(zip(current.indicators, flags, strict=True)):
            j = previous_index.get(indicator.code)
            pairs.append(Pair(domain, "score", indicator.code, a.scores[i], None if j is None else b.scores[j], flag))
            pairs.append(Pair(domain, "rate", indicator.code, a.rates[i], None if j is None else b.rates[j], flag))
    return pairs


def _headline(now: _Round, changes: list[dict[str, Any]] | None) -> dict[str, Any]:
    def change(measure: str) -> dict[str, Any] | None:
        for row in changes or ():
            if row["domain"] == ALL and row["measure"] == measure and row["indicator"] is None:
                if row["diff"] is None:
                    return None
                return {key: row[key] for key in ("diff", "low", "high", "p", "q", "significant")}
        return None

    whole = now.cells[ALL]
    return {"composite": _estimate_json(whole.composite), "rate": _estimate_json(whole.rate),
            "change_composite": change("composite"), "change_rate": change("rate")}


# --- JSON ------------------------------------------------------------------------------------------

def _estimate_json(e: Estimate | None) -> dict[str, Any]:
    return {"value": _number(e, "value"), "se": _number(e, "se"), "low": _number(e, "ci_low"),
            "high": _number(e, "ci_high"), "n": 0 if e is None else int(e.n), "deff": _number(e, "deff")}


def _cell_json(cell: _Cell | None, k: int) -> dict[str, Any]:
    if cell is None:  # a district without respondents
        empty = _estimate_json(None)
        return {"composite": empty, "rate": dict(empty), "scores": [dict(empty) for _ in range(k)],
                "rates": [dict(empty) for _ in range(k)]}
    return {"composite": _estimate_json(cell.composite), "rate": _estimate_json(cell.rate),
            "scores": [_estimate_json(e) for e in cell.scores], "rates": [_estimate_json(e) for e in cell.rates]}


def _number(e: Any, field: str) -> float | None:
    if e is None:
        return None
    x = getattr(e, field)
    return float(x) if x is not None and math.isfinite(x) else None


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
