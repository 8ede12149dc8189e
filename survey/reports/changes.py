"""Round-over-round changes of every domain × measure, with one Benjamini–Hochberg family.

The same tests as :func:`survey.stats.rounds.compare_rounds` — :func:`~survey.stats.difference` for
independent samples, :func:`~survey.stats.adjust_pvalues` (BH) over every test at once, significant
when q ≤ α — with two differences that a report needs:

- the headline satisfaction rate Σ v_j R_j of each domain is tested too, in the same family;
- a pair with a missing estimate (an indicator nobody in a district answered, a previous round that did
  not ask it) is not tested at all. ``difference`` gives such a pair p = 0 (its z is ±inf when the SE
  is NaN), which ``compare_rounds`` would count as a discovery and feed into everyone's q-values.

Measures not comparable between the rounds (wording or scale changed, or missing from the previous
round; the composite and the headline rate whenever any indicator is not comparable or the indicator
weights differ) are listed with ``comparable: False`` and not tested.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..stats import Estimate, adjust_pvalues, difference
from ..stats.design import quantile


@dataclass(frozen=True)
class Pair:
    domain: str
    measure: str  # "composite" | "rate" | "score"
    indicator: str | None  # None: the composite, or the headline rate
    after: Estimate
    before: Estimate | None  # None: no estimate in the previous round
    comparable: bool  # False: listed, not tested


def _testable(a: Estimate, b: Estimate | None) -> bool:
    return b is not None and all(math.isfinite(x) for x in (a.value, a.se, b.value, b.se))


def change_rows(pairs: Sequence[Pair], *, level: float = 0.95) -> list[dict[str, Any]]:
    """One JSON-ready row per pair; p from the z-test, q from BH over every tested pair."""
    q_level = quantile(level)
    tested = [i for i, pair in enumerate(pairs) if pair.comparable and _testable(pair.after, pair.before)]
    diffs = {i: difference(pairs[i].after, pairs[i].before, level=level) for i in tested}
    adjusted = dict(zip(tested, adjust_pvalues([diffs[i].p for i in tested], "bh").tolist(), strict=True))
    alpha = 1 - level
    rows = []
    for i, pair in enumerate(pairs):
        d = diffs.get(i)
        q = adjusted.get(i)
        rows.append({
            "domain": pair.domain, "measure": pair.measure, "indicator": pair.indicator,
            "comparable": pair.comparable,
            "before": None if pair.before is None else _number(pair.before.value),
            "after": _number(pair.after.value),
            "diff": None if d is None else _number(d.value),
            "se": None if d is None else _number(d.se),
            "low": None if d is None else _number(d.value - q_level * d.se),
            "high": None if d is None else _number(d.value + q_level * d.se),
            "p": None if d is None else _number(d.p),
            "q": None if q is None else _number(q),
            "significant": bool(q is not None and q <= alpha),
        })
    return rows


def _number(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None
