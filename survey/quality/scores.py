"""Scores from verification and the issue loop (pure): callers' quality, departments' scorecards.

Caller quality, 0–100 (clamped)::

    score = 100 · (1 − (½ · discrepancies + 3 · falsified) / checked) − 20 · flagged / interviews

``checked`` = confirmed + discrepancy + falsified; "unreachable" says nothing about the caller and
is left out. One falsified interview weighs like six discrepancies — falsification is the offence,
a discrepancy can be the respondent's memory — so 1 falsified of 10 checked costs 30 points.
``flagged`` counts the caller's interviews whose risk reached the selection threshold: up to 20
points for work that *looks* wrong, so a caller is not rated 100 merely because few checks were
done. With nothing checked the score rests on the signals alone and is marked provisional.

Department scorecard (DOMAIN.md, "The complaint loop"), each rate with numerator and denominator,
None when the denominator is 0:

- on time: rectified by the deadline / issues due — due means the deadline has passed *or* the issue
  is already rectified (an early fix counts now, not only once its deadline arrives);
- call-back resolution: solved / call-backs done; call-back satisfaction: satisfied / call-backs
  that asked; spot-check pass: passed / spot-checked.

A department is flagged for the bulletin when any rate with at least ``min_denominator`` cases is
below the threshold (default 85%).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..i18n import N_

OUTCOMES = ("confirmed", "discrepancy", "falsified", "unreachable")
DISCREPANCY_WEIGHT, FALSIFIED_WEIGHT, SIGNAL_WEIGHT = 0.5, 3.0, 20.0
RATES = ("on_time", "callback_resolution", "callback_satisfaction", "spot_check_pass")
RATE_LABELS = {"on_time": N_("on-time rate"), "callback_resolution": N_("call-back resolution rate"),
               "callback_satisfaction": N_("call-back satisfaction rate"),
               "spot_check_pass": N_("spot-check pass rate")}


@dataclass(frozen=True)
class CallerQuality:
    caller_id: int
    score: float  # 0–100
    confirmed: int
    discrepancy: int
    falsified: int
    unreachable: int
    interviews: int
    flagged: int
    provisional: bool  # nothing checked yet: the score rests on the signals alone

    @property
    def checked(self) -> int:
        return self.confirmed + self.discrepancy + self.falsified


def caller_quality(caller_id: int, outcomes: Mapping[str, int], *, interviews: int, flagged: int) -> CallerQuality:
    """A caller's quality score from verification outcome counts and its risky-interview count."""
    unknown = sorted(set(outcomes) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"unknown verification outcomes {unknown}; expected {', '.join(OUTCOMES)}")
    counts = {k: int(outcomes.get(k, 0)) for k in OUTCOMES}
    if any(v < 0 for v in counts.values()) or interviews < 0 or not 0 <= flagged <= max(interviews, 0):
        raise ValueError("counts must be ≥ 0 and flagged at most the number of interviews")
    checked = counts["confirmed"] + counts["discrepancy"] + counts["falsified"]
    verified = 1.0
    if checked:
        verified -= (DISCREPANCY_WEIGHT * counts["discrepancy"] + FALSIFIED_WEIGHT * counts["falsified"]) / checked
    signals = SIGNAL_WEIGHT * flagged / interviews if interviews else 0.0
    score = min(100.0, max(0.0, 100.0 * verified - signals))
    return CallerQuality(caller_id, score, counts["confirmed"], counts["discrepancy"], counts["falsified"],
                         counts["unreachable"], interviews, flagged, provisional=checked == 0)


@dataclass(frozen=True)
class IssueOutcome:
    department: str
    deadline: float | None  # epoch seconds; None while not assigned
    rectified_at: float | None = None  # first report of the fix
    callback_solved: bool | None = None  # None: no call-back done
    callback_satisfied: bool | None = None  # None: not asked
    spot_check_passed: bool | None = None  # None: not spot-checked


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class DepartmentScore:
    department: str
    on_time: Rate
    callback_resolution: Rate
    callback_satisfaction: Rate
    spot_check_pass: Rate
    below: tuple[str, ...]  # the rates under the threshold, in RATES order

    @property
    def flagged(self) -> bool:
        return bool(self.below)

    def rate(self, name: str) -> Rate:
        return getattr(self, name)


def department_scorecard(outcomes: Iterable[IssueOutcome], *, as_of: float, threshold: float = 0.85,
                         min_denominator: int = 1) -> list[DepartmentScore]:
    """One row per department (sorted), its four rates and which fall below ``threshold``."""
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    tallies: dict[str, dict[str, list[int]]] = defaultdict(lambda: {r: [0, 0] for r in RATES})
    for o in outcomes:
        t = tallies[o.department]
        due = o.rectified_at is not None or (o.deadline is not None and o.deadline <= as_of)
        on_time = o.rectified_at is not None and (o.deadline is None or o.rectified_at <= o.deadline)
        for name, counted, hit in (("on_time", due, on_time),
                                   ("callback_resolution", o.callback_solved is not None, o.callback_solved),
                                   ("callback_satisfaction", o.callback_satisfied is not None, o.callback_satisfied),
                                   ("spot_check_pass", o.spot_check_passed is not None, o.spot_check_passed)):
            if counted:
                t[name][1] += 1
                t[name][0] += bool(hit)
    rows = []
    for department, t in sorted(tallies.items()):
        rates = {name: Rate(*t[name]) for name in RATES}
        below = tuple(name for name, r in rates.items()
                      if r.denominator >= max(1, min_denominator) and r.value is not None and r.value < threshold)
        rows.append(DepartmentScore(department, **rates, below=below))
    return rows
