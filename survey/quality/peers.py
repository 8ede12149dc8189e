"""Signals about a caller, judged against the other callers (pure).

- ``answer_distribution``: the caller's answers (all rated indicators pooled, "don't know" left to its
  own signal) against the other callers' in a 2 × K table. Answers within one interview are
  correlated (a content respondent is content with most things), so Pearson's X² gets a
  second-order Rao–Scott correction with interviews as clusters (:func:`rao_scott`) — with the plain
  X² honest callers would be flagged far more often than the false discovery rate allows.
- ``refusal_rate`` / ``ineligible_rate``: refusals (and break-offs) or screened-out ineligible per
  contact, Fisher's exact test against the other callers pooled; raised when the adjusted p is small
  *and* the rate is at least ``rate_ratio`` (1.5) times the peers' or at most 1/1.5 of it — a
  falsifier who turns refusals into completes has too few, one who avoids work too many.
- ``caller_fast_pace``: the caller's median pace below 75% of the other callers' median.
- ``coached_answers``: in each caller × district, the most surprising repeated answer pattern: the
  binomial chance of seeing it that often when its probability is the peers' share of it in the
  district ((count + ½)/(n + 1)), times the number of distinct patterns in the cell (Bonferroni within
  the cell); cells without a repeat count as p = 1 so BH sees every cell; raised on the interviews
  with that pattern when the adjusted p is small and the pattern occurs ≥ ``identical_min`` times.

Tests are corrected with Benjamini–Hochberg across callers (cells for coached answers) at ``fdr``.
The reference ("the other callers") is robust to falsifiers: a flagged caller would otherwise pull
the pooled peers toward itself and make the honest callers look deviant, so the tests are repeated
against the callers not flagged until the flagged set stops changing (at most a few rounds).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ..i18n import N_
from ..stats.compare import adjust_pvalues
from .records import CallerRecord, InterviewRecord, Reason
from .thresholds import THRESHOLDS, Thresholds, pace, percent

MAX_ROUNDS = 5
# A test of one caller against a reference set: (p, effect large enough to raise, message params) or None.
CallerTest = Callable[[int, frozenset[int]], tuple[float, bool, dict[str, Any]] | None]


def caller_signals(interviews: Sequence[InterviewRecord], callers: Iterable[CallerRecord] = (), *,
                   thresholds: Thresholds = THRESHOLDS) -> tuple[dict[int, tuple[Reason, ...]],
                                                                 dict[int, tuple[Reason, ...]]]:
    """(signals per caller, coached-answer signals per interview) — ``interviews`` sorted by id."""
    by_caller: dict[int, list[Reason]] = defaultdict(list)
    distribution, reference = answer_distribution(interviews, thresholds=thresholds)
    for source in (distribution, caller_pace(interviews, thresholds=thresholds)):
        for caller, reason in source.items():
            by_caller[caller].append(reason)
    for caller, reasons in rate_outliers(callers, thresholds=thresholds).items():
        by_caller[caller] += reasons
    coached = coached_answers(interviews, reference, thresholds=thresholds)
    return ({c: tuple(r) for c, r in sorted(by_caller.items())}, {i: (r,) for i, r in coached.items()})


def answer_distribution(interviews: Sequence[InterviewRecord], *, thresholds: Thresholds = THRESHOLDS
                        ) -> tuple[dict[int, Reason], frozenset[int]]:
    """Callers whose answers differ from the others', and the reference callers (those not flagged)."""
    t = thresholds
    owners = np.array([i.caller_id for i in interviews], dtype=np.int64)
    universe = frozenset(owners.tolist())
    categories = sorted({v for i in interviews for v in i.ratings.values() if v is not None})
    if len(categories) < 2:
        return {}, universe
    column = {c: k for k, c in enumerate(categories)}
    counts = np.zeros((len(interviews), len(categories)))
    for row, interview in enumerate(interviews):
        for value in interview.ratings.values():
            if value is not None:
                counts[row, column[value]] += 1
    moments = {c: _Moments.of(counts[owners == c]) for c in sorted(universe)}

    def test(caller: int, reference: frozenset[int]) -> tuple[float, bool, dict[str, Any]] | None:
        others = sorted(reference - {caller})
        if moments[caller].interviews < t.min_interviews or not others:
            return None
        result = _rao_scott(moments[caller], sum((moments[c] for c in others[1:]), moments[others[0]]))
        return None if result is None else (result[0], True, result[1])

    flagged, reference = _trimmed(universe, test, t.fdr)
    return ({c: Reason("answer_distribution", q, N_("answers differ from the other callers' (χ² %(chisq).1f on "
                                                   "%(df).1f df, FDR-adjusted p %(q).2g)"), {**params, "q": q})
             for c, (q, params) in flagged.items()}, reference)


def rao_scott(own: np.ndarray, peers: np.ndarray) -> tuple[float, dict[str, Any]] | None:
    """Second-order Rao–Scott test that two groups of interviews (rows of answer counts) answer alike.

    Pearson's X² of the 2 × K table of answers is referred to c·χ²(ν) (Satterthwaite), with
    c = Σλ²/Σλ and ν = (Σλ)²/Σλ², λ the eigenvalues of P₀⁻¹V: V the covariance of the difference of
    the two share vectors with interviews as clusters (linearised ratio means), P₀ its multinomial
    value under equal shares. (p, {"chisq": X²/c, "df": ν}); None when the table or V is degenerate.
    """
    return _rao_scott(_Moments.of(own), _Moments.of(peers))


@dataclass(frozen=True)
class _Moments:
    """The sums over a group of interviews that its answer shares and their covariance need.

    Sums add up, so the peers of each caller cost a sum of per-caller moments, not a pass over the rows.
    """

    interviews: int  # with at least one answer
    y: np.ndarray  # Σ y_i: answers per category
    m: float  # Σ m_i: answers
    yy: np.ndarray  # Σ y_i y_iᵀ
    my: np.ndarray  # Σ m_i y_i
    mm: float  # Σ m_i²

    @classmethod
    def of(cls, rows: np.ndarray) -> _Moments:
        rows = np.asarray(rows, dtype=float)
        sizes = rows.sum(axis=1)
        rows, sizes = rows[sizes > 0], sizes[sizes > 0]
        return cls(len(rows), rows.sum(axis=0), float(sizes.sum()), rows.T @ rows, sizes @ rows, float(sizes @ sizes))

    def __add__(self, other: _Moments) -> _Moments:
        return _Moments(self.interviews + other.interviews, self.y + other.y, self.m + other.m, self.yy + other.yy,
                        self.my + other.my, self.mm + other.mm)

    def covariance(self, keep: np.ndarray) -> np.ndarray:
        """Covariance of the shares Σy/Σm of the ``keep`` categories, each interview a cluster (linearised)."""
        n = self.interviews
        if n < 2:
            return np.zeros((keep.sum(), keep.sum()))
        p, my = self.y[keep] / self.m, self.my[keep]
        # Σ (y_i − m_i p)(y_i − m_i p)ᵀ expanded into the sums
        spread = self.yy[np.ix_(keep, keep)] - np.outer(my, p) - np.outer(p, my) + self.mm * np.outer(p, p)
        return n / (n - 1) * spread / self.m ** 2


def _rao_scott(own: _Moments, peers: _Moments) -> tuple[float, dict[str, Any]] | None:
    keep = (own.y + peers.y) > 0
    table = np.vstack([own.y[keep], peers.y[keep]])
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return None
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    chisq = float(((table - expected) ** 2 / expected).sum())
    pooled = table.sum(axis=0) / table.sum()
    null = (np.diag(pooled) - np.outer(pooled, pooled)) * (1 / table[0].sum() + 1 / table[1].sum())
    variance = own.covariance(keep) + peers.covariance(keep)
    lower = np.linalg.cholesky(null[:-1, :-1])  # one category is redundant
    solved = np.linalg.solve(lower, np.linalg.solve(lower, variance[:-1, :-1]).T)
    eigen = np.clip(np.linalg.eigvalsh((solved + solved.T) / 2), 0, None)
    if eigen.sum() <= 0:
        return None
    scale, df = float((eigen ** 2).sum() / eigen.sum()), float(eigen.sum() ** 2 / (eigen ** 2).sum())
    return float(sps.chi2.sf(chisq / scale, df)), {"chisq": chisq / scale, "df": df}


def caller_pace(interviews: Sequence[InterviewRecord], *, thresholds: Thresholds = THRESHOLDS) -> dict[int, Reason]:
    """Callers whose median pace is below ``caller_pace_share`` of the other callers' median."""
    paces = [(i.caller_id, p) for i in interviews if (p := pace(i)) is not None]
    owners = np.array([c for c, _ in paces], dtype=np.int64)
    values = np.array([p for _, p in paces], dtype=float)
    out: dict[int, Reason] = {}
    for caller in sorted(set(owners.tolist())):
        own, others = values[owners == caller], values[owners != caller]
        if len(own) < thresholds.min_interviews or len(others) == 0:
            continue
        ratio = float(np.median(own) / np.median(others))
        if ratio < thresholds.caller_pace_share:
            out[caller] = Reason("caller_fast_pace", ratio, N_("this caller's interviews take %(share)d%% of the "
                                                               "time other callers take for the same questions"),
                                 {"share": percent(ratio)})
    return out


def rate_outliers(callers: Iterable[CallerRecord], *, thresholds: Thresholds = THRESHOLDS) -> dict[int, list[Reason]]:
    """Callers whose refusal or ineligible rate per contact is far from the other callers'."""
    records = {r.caller_id: r for r in callers}
    out: dict[int, list[Reason]] = defaultdict(list)
    rates = (("refusal_rate", "refusals", N_("refusal rate %(rate)d%% against %(peers)d%% for the other callers "
                                             "(FDR-adjusted p %(q).2g)")),
             ("ineligible_rate", "ineligible", N_("ineligible rate %(rate)d%% against %(peers)d%% for the other "
                                                  "callers (FDR-adjusted p %(q).2g)")))
    for kind, attribute, template in rates:
        flagged, _ = _trimmed(frozenset(records), _rate_test(records, attribute, thresholds), thresholds.fdr)
        for caller, (q, params) in sorted(flagged.items()):
            out[caller].append(Reason(kind, params["value"], template,
                                      {"rate": percent(params["value"]), "peers": percent(params["peers"]), "q": q}))
    return dict(out)


def _rate_test(records: dict[int, CallerRecord], attribute: str, t: Thresholds) -> CallerTest:
    def test(caller: int, reference: frozenset[int]) -> tuple[float, bool, dict[str, Any]] | None:
        own = records[caller]
        others = [records[c] for c in sorted(reference - {caller})]
        contacts = sum(r.contacts for r in others)
        if own.contacts < max(1, t.min_contacts) or contacts == 0:
            return None
        hits, peer_hits = getattr(own, attribute), sum(getattr(r, attribute) for r in others)
        result = sps.fisher_exact([[hits, own.contacts - hits], [peer_hits, contacts - peer_hits]])
        rate, peers = hits / own.contacts, peer_hits / contacts
        far = rate >= t.rate_ratio * peers or rate * t.rate_ratio <= peers
        return float(result.pvalue), far and rate != peers, {"value": rate, "peers": peers}

    return test


def coached_answers(interviews: Sequence[InterviewRecord], reference: frozenset[int], *,
                    thresholds: Thresholds = THRESHOLDS) -> dict[int, Reason]:
    """Interviews carrying a caller's answer pattern repeated far beyond the peers' share of it."""
    t = thresholds
    cells: dict[tuple[int, str], list[tuple[int, tuple]]] = defaultdict(list)
    for i in interviews:
        if sum(v is not None for v in i.ratings.values()) >= t.straight_min:
            # "" for "don't know" keeps patterns sortable (None and str do not compare)
            pattern = tuple(sorted((k, "" if v is None else v) for k, v in i.ratings.items()))
            cells[(i.caller_id, i.district)].append((i.id, pattern))
    own_counts = {cell: Counter(p for _, p in rows) for cell, rows in cells.items()}
    reference_counts: dict[str, Counter] = defaultdict(Counter)
    for (caller, district), counter in own_counts.items():
        if caller in reference:
            reference_counts[district].update(counter)

    reference_totals = {d: sum(c.values()) for d, c in reference_counts.items()}
    keys = sorted(cells)
    tests: list[tuple[float, int, tuple | None]] = []
    for caller, district in keys:
        counter = own_counts[(caller, district)]
        n = len(cells[(caller, district)])
        mine = caller in reference  # then its own interviews are in the district's reference counts: take them out
        peer_total = reference_totals.get(district, 0) - (n if mine else 0)
        best: tuple[float, int, tuple | None] = (1.0, 0, None)
        for pattern, m in sorted(counter.items()):
            if m < 2:
                continue
            share = (reference_counts[district][pattern] - (m if mine else 0) + 0.5) / (peer_total + 1)
            p = float(sps.binom.sf(m - 1, n, share))
            if p < best[0]:
                best = (p, m, pattern)
        tests.append((min(1.0, best[0] * len(counter)), best[1], best[2]))
    adjusted = adjust_pvalues([p for p, _, _ in tests]) if tests else []
    out: dict[int, Reason] = {}
    for (caller, district), (_, m, pattern), q in zip(keys, tests, adjusted, strict=True):
        if pattern is None or q >= t.fdr or m < t.identical_min:
            continue
        n = len(cells[(caller, district)])
        for interview_id, own in cells[(caller, district)]:
            if own == pattern:
                out[interview_id] = Reason(
                    "coached_answers", m / n,
                    N_("%(count)d of this caller's %(total)d interviews in %(district)s gave identical answers "
                       "(FDR-adjusted p %(q).2g)"), {"count": m, "total": n, "district": district, "q": float(q)})
    return out


def _trimmed(universe: frozenset[int], test: CallerTest, fdr: float
             ) -> tuple[dict[int, tuple[float, dict[str, Any]]], frozenset[int]]:
    """Flagged callers {caller: (BH-adjusted p, params)} and the final reference (callers not flagged)."""
    reference = universe
    flagged: dict[int, tuple[float, dict[str, Any]]] = {}
    for _ in range(MAX_ROUNDS):
        results = {c: r for c in sorted(universe) if (r := test(c, reference)) is not None}
        ids = sorted(results)
        adjusted = adjust_pvalues([results[c][0] for c in ids]) if ids else []
        flagged = {c: (float(q), results[c][2]) for c, q in zip(ids, adjusted, strict=True)
                   if q < fdr and results[c][1]}
        trimmed = universe - flagged.keys()
        if trimmed == reference or len(trimmed) < 2:
            break
        reference = trimmed
    return flagged, reference
