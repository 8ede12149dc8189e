"""Results, timing and the printed table shared by every benchmark."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    name: str
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    target: float | None = None  # acceptable ratio (value / baseline) — or value, with absolute=True
    higher_is_better: bool = True
    note: str = ""
    absolute: bool = False  # the target is on the value itself (e.g. ≥ 100,000 rows/s), not the ratio

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    @property
    def meets_target(self) -> bool | None:
        measured = self.value if self.absolute else self.ratio
        if self.target is None or measured is None:
            return None
        return measured >= self.target if self.higher_is_better else measured <= self.target

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("higher_is_better")
        data.pop("absolute")
        data["target_applies_to"] = "value" if self.absolute else "ratio"
        return {**data, "ratio": self.ratio, "meets_target": self.meets_target}


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """The fastest of ``repeats`` runs, in seconds: the least disturbed by the rest of the machine."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def table(results: list[Result]) -> str:
    header = ("benchmark", "metric", "value", "unit", "baseline", "ratio", "target", "ok")
    rows = [header]
    for r in results:
        ok = {True: "yes", False: "NO", None: ""}[r.meets_target]
        target = "" if r.target is None else (("≥ " if r.higher_is_better else "≤ ") + _fmt(r.target)
                                               + (f" {r.unit}" if r.absolute else "×"))
        rows.append((r.name, r.metric, _fmt(r.value), r.unit, _fmt(r.baseline), _fmt(r.ratio), target, ok))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r.name}/{r.metric}: {r.note}" for r in results if r.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def write_json(results: list[Result], path: str | Path) -> None:
    Path(path).write_text(json.dumps({"benchmarks": [r.to_dict() for r in results]}, indent=2, ensure_ascii=False))
