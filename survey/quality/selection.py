"""What to verify (pure; the same input and seed give the same picks, whatever the input order).

Interviews (DOMAIN.md, "Quality control and falsification"):

- ``floor``: per caller a simple random sample of ⌈share × completes⌉ of its completes, share =
  ``floor`` (5–15%) or ``new_floor`` for a new caller. Rounded up so every caller with a complete is
  checked and no caller falls below the nominal share. Drawn from *all* completes, risky ones
  included, so the floor stays an unbiased sample of the caller's work: its verification outcomes
  estimate how much of that work is falsified.
- ``risk``: every other interview whose risk (:mod:`.signals`) is at least ``risk_threshold`` (0.5:
  one strong or two weak independent signals), highest risk first, ties by id, at most ``max_risk``.
  A floor pick that is also risky keeps the rule "floor" and carries its signals as reasons too.

Issues (DOMAIN.md, "The complaint loop"):

- ``share``: per department a simple random ⌈share × n⌉ (at least one) of the issues it reported
  rectified — an unbiased sample, so spot-check pass rates compare departments fairly;
- ``doubtful``: every issue with a doubtful reason (the call-back says not solved, the same complaint
  came again next round);
- ``cluster``: one representative of each of the ``top_clusters`` largest clusters of similar
  complaints (size ≥ 2), preferring one reported rectified; a cluster already picked by another rule
  is represented by that pick.

Every caller, department and cluster draws from its own random stream (seed, its id), so adding one
leaves the others' picks alone.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from ..i18n import N_
from .records import CallerRecord, InterviewRecord, IssueRecord, Pick, Reason
from .signals import Assessment, assess
from .thresholds import THRESHOLDS, Thresholds, percent

FLOOR_RANGE = (0.05, 0.15)
RECTIFIED = ("rectified", "awaiting_callback", "reviewed")  # reported fixed, not yet spot-checked
DOUBTFUL = {
    "callback_not_solved": N_("the call-back says the problem is not solved"),
    "repeat_complaint": N_("the same complaint came again in the next round"),
    "spot_check_failed": N_("an earlier spot check found it not fixed"),
}
_FLOOR_STREAM, _SHARE_STREAM, _CLUSTER_STREAM = 0, 1, 2


def floor_count(completes: int, share: float) -> int:
    """⌈share × completes⌉; rounded first so 0.1 × 30 gives 3, not 4."""
    return min(completes, math.ceil(round(share * completes, 9)))


def select_interviews(interviews: Iterable[InterviewRecord], callers: Iterable[CallerRecord] = (), *, seed: int,
                      floor: float = 0.10, new_floor: float = 0.20, risk_threshold: float = 0.5,
                      max_risk: int | None = None, thresholds: Thresholds = THRESHOLDS,
                      assessments: Mapping[int, Assessment] | None = None) -> list[Pick]:
    """Floor picks by caller and interview id, then risk picks highest risk first."""
    if not FLOOR_RANGE[0] <= floor <= FLOOR_RANGE[1]:
        raise ValueError(f"floor must be between 5% and 15% of a caller's completes, not {floor:.1%}")
    if not floor <= new_floor <= 1:
        raise ValueError(f"new_floor must be at least the floor ({floor:.1%}) and at most 100%, not {new_floor:.1%}")
    if not 0 < risk_threshold <= 1:
        raise ValueError(f"risk_threshold must be above 0 and at most 1, not {risk_threshold}")
    if max_risk is not None and max_risk < 0:
        raise ValueError("max_risk must be ≥ 0")
    callers = list(callers)
    ordered = sorted(interviews, key=lambda r: r.id)
    if assessments is None:
        assessments = assess(ordered, callers, thresholds=thresholds)
    new = {r.caller_id for r in callers if r.new}
    by_caller: dict[int, list[InterviewRecord]] = defaultdict(list)
    for i in ordered:
        by_caller[i.caller_id].append(i)

    picks: list[Pick] = []
    for caller, own in sorted(by_caller.items()):
        share = new_floor if caller in new else floor
        template = (N_("random verification floor for a new caller: %(share)d%% of completes") if caller in new
                    else N_("random verification floor: %(share)d%% of this caller's completes"))
        chosen = _stream(seed, _FLOOR_STREAM, caller).choice(len(own), size=floor_count(len(own), share), replace=False)
        for index in sorted(chosen.tolist()):
            a = assessments[own[index].id]
            picks.append(Pick(a.interview_id, "floor", (Reason("floor", share, template, {"share": percent(share)}),
                                                         *a.signals), a.risk))
    floored = {p.target_id for p in picks}
    risky = sorted((a for a in assessments.values() if a.risk >= risk_threshold and a.interview_id not in floored),
                   key=lambda a: (-a.risk, a.interview_id))
    if max_risk is not None:
        risky = risky[:max_risk]
    picks += [Pick(a.interview_id, "risk", a.signals, a.risk) for a in risky]
    return picks


def select_issues(issues: Iterable[IssueRecord], *, seed: int, share: float = 0.20, top_clusters: int = 5,
                  rectified: Sequence[str] = RECTIFIED) -> list[Pick]:
    """Spot-check picks by issue id; the rule is the first that applies of share, doubtful, cluster."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be above 0 and at most 100%, not {share:.1%}")
    if top_clusters < 0:
        raise ValueError("top_clusters must be ≥ 0")
    ordered = sorted(issues, key=lambda r: r.id)
    if len({i.id for i in ordered}) != len(ordered):
        raise ValueError("issue ids must be unique")
    rule: dict[int, str] = {}
    reasons: dict[int, list[Reason]] = defaultdict(list)

    def pick(issue_id: int, how: str, reason: Reason) -> None:
        rule.setdefault(issue_id, how)
        reasons[issue_id].append(reason)

    reported = defaultdict(list)
    for i in ordered:
        if i.status in rectified:
            reported[i.department].append(i)
    for department, own in sorted(reported.items()):
        stream = _stream(seed, _SHARE_STREAM, zlib.crc32(department.encode()))
        for index in sorted(stream.choice(len(own), size=max(1, floor_count(len(own), share)), replace=False)):
            pick(own[index].id, "share", Reason("share", share, N_("random %(share)d%% of the issues %(department)s "
                                                                   "reported rectified"),
                                                {"share": percent(share), "department": department}))
    for i in ordered:
        for code in i.doubtful_reasons:
            template = DOUBTFUL.get(code, N_("doubtful: %(reason)s"))
            pick(i.id, "doubtful", Reason(code, 1.0, template, {} if code in DOUBTFUL else {"reason": code}))
    for size, members in _largest_clusters(ordered, top_clusters):
        cluster = members[0].cluster_id
        reason = Reason("cluster", size, N_("represents a cluster of %(size)d similar complaints"), {"size": size})
        already = [m.id for m in members if m.id in rule]
        if already:
            reasons[already[0]].append(reason)
            continue
        candidates = [m for m in members if m.status in rectified] or members
        chosen = candidates[int(_stream(seed, _CLUSTER_STREAM, cluster).integers(len(candidates)))]
        pick(chosen.id, "cluster", reason)
    return [Pick(i, rule[i], tuple(reasons[i])) for i in sorted(rule)]


def _largest_clusters(issues: Sequence[IssueRecord], top: int) -> list[tuple[int, list[IssueRecord]]]:
    """(size, members by id) of the ``top`` largest clusters of at least 2, ties by cluster id."""
    members: dict[int, list[IssueRecord]] = defaultdict(list)
    for i in issues:
        if i.cluster_id is not None:
            members[i.cluster_id].append(i)
    sized = [(max(max(m.cluster_size for m in own), len(own)), cid) for cid, own in members.items()]
    ranked = sorted((s for s in sized if s[0] >= 2), key=lambda s: (-s[0], s[1]))[:top]
    return [(size, members[cid]) for size, cid in ranked]


def _stream(seed: int, purpose: int, key: int) -> np.random.Generator:
    return np.random.default_rng([seed % 2**64, purpose, key % 2**64])
