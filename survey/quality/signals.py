"""Quality-control signals per interview and the interview's risk score (pure).

Per interview (DOMAIN.md, "Quality control and falsification"), each raised only past its threshold:

- ``short_interview``: duration below ``short_share`` (50%) of what its questions need;
- ``fast_questions``: ≥ 30% of the timed questions faster than 40% of the mean need per question
  (no question of this questionnaire can be read and answered that fast);
- ``fast_pace``: duration per needed second below 70% of the other callers' median — the
  questionnaire's own floor is far below real interviews, so "faster than colleagues" catches a
  falsifier who stays above the floor;
- ``straight_lining``: ≥ 75% of at least 6 rated indicators on one answer;
- ``many_dont_know``: ≥ 50% of the indicators "don't know"; ``item_nonresponse``: ≥ 20% of the
  applicable questions unanswered;
- ``overlap`` / ``short_gap``: starts before, or less than 15 s after, the end of the same caller's
  previous interview (dialling, ringing and the introduction take longer than that);
- ``no_dial``: a complete with no matching dial record of its caller.

Per caller (see :mod:`.peers`): answers unlike the other callers' (Rao–Scott-corrected χ², BH),
outlier refusal or ineligible rates (Fisher's exact test, BH, and a rate ratio ≥ 1.5 either way),
interviews consistently faster than the other callers' (median pace < 75% of theirs), and coached
answers (one answer pattern repeated far beyond what the other callers' patterns make plausible).

Risk: each signal kind k is read as independent evidence that the interview is falsified with
probability w_k, combined as risk = 1 − Π (1 − w_k) ("noisy or", 0 ≤ risk < 1). The weights
(:data:`WEIGHTS`) are set so that no single weak signal reaches the selection threshold of 0.5 —
honest people straight-line and honest callers can be quick — while physically impossible or
near-certain evidence does on its own (an interview under half its needed time 0.6, an overlap
0.6, a complete without a dial 0.5), and two independent weak signals do together
(0.3 + 0.3 → 0.51).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..i18n import N_
from .peers import caller_signals
from .records import CallerRecord, InterviewRecord, Reason
from .thresholds import THRESHOLDS, Thresholds, pace, percent

WEIGHTS = {
    # the interview itself
    "short_interview": 0.6, "overlap": 0.6, "no_dial": 0.5, "fast_questions": 0.4, "fast_pace": 0.3,
    "straight_lining": 0.3, "short_gap": 0.3, "many_dont_know": 0.2, "item_nonresponse": 0.2,
    # its caller (coached answers: only the interviews with the repeated pattern)
    "coached_answers": 0.4, "caller_fast_pace": 0.3, "answer_distribution": 0.25, "refusal_rate": 0.15,
    "ineligible_rate": 0.15,
}


@dataclass(frozen=True)
class Assessment:
    interview_id: int
    caller_id: int
    signals: tuple[Reason, ...]  # the interview's own, then its caller's
    risk: float


def risk_score(signals: Iterable[Reason]) -> float:
    """1 − Π(1 − w_k) over the distinct signal kinds raised (unknown kinds weigh nothing)."""
    kinds = {s.kind for s in signals}
    return float(1.0 - np.prod([1.0 - WEIGHTS.get(k, 0.0) for k in sorted(kinds)]))


def interview_signals(interview: InterviewRecord, *, peer_pace: float | None = None,
                      previous_end: float | None = None, thresholds: Thresholds = THRESHOLDS) -> list[Reason]:
    """The raised signals of one interview.

    ``peer_pace``: the other callers' median :func:`pace`; ``previous_end``: when the same caller's
    latest earlier interview ended (None for the first).
    """
    t = thresholds
    out: list[Reason] = []
    own_pace = pace(interview)
    if own_pace is not None and own_pace < t.short_share:
        out.append(Reason("short_interview", own_pace,
                          N_("interview lasted %(share)d%% of the time its questions need"),
                          {"share": percent(own_pace)}))
    out += _question_speed(interview, t)
    if own_pace is not None and peer_pace and own_pace / peer_pace < t.pace_share:
        ratio = own_pace / peer_pace
        out.append(Reason("fast_pace", ratio,
                          N_("interview took %(share)d%% of the time other callers take for the same questions"),
                          {"share": percent(ratio)}))
    out += _answers(interview, t)
    if previous_end is not None:
        gap = interview.started_at - previous_end
        if gap < 0:
            out.append(Reason("overlap", gap, N_("overlaps the same caller's previous interview by %(seconds)d s"),
                              {"seconds": round(-gap)}))
        elif gap < t.min_gap_seconds:
            out.append(Reason("short_gap", gap,
                              N_("began %(seconds)d s after the same caller's previous interview ended"),
                              {"seconds": round(gap)}))
    if not interview.dialled:
        out.append(Reason("no_dial", 1.0, N_("no dial record of this caller matches the interview")))
    return out


def _question_speed(interview: InterviewRecord, t: Thresholds) -> list[Reason]:
    timed = [s for s in interview.question_seconds.values() if s is not None]
    if len(timed) < t.min_timed or interview.asked <= 0 or interview.needed_seconds <= 0:
        return []
    floor = t.question_floor_share * interview.needed_seconds / interview.asked
    fast = sum(s < floor for s in timed)
    share = fast / len(timed)
    if share < t.fast_questions_share:
        return []
    return [Reason("fast_questions", share, N_("%(count)d of %(timed)d questions took less than %(floor).1f s"),
                   {"count": fast, "timed": len(timed), "floor": floor})]


def _answers(interview: InterviewRecord, t: Thresholds) -> list[Reason]:
    out: list[Reason] = []
    rated = [v for v in interview.ratings.values() if v is not None]
    if len(rated) >= t.straight_min:
        top = Counter(rated).most_common(1)[0][1]
        if top / len(rated) >= t.straight_share:
            out.append(Reason("straight_lining", top / len(rated),
                              N_("%(count)d of %(rated)d rated indicators have the same answer"),
                              {"count": top, "rated": len(rated)}))
    if interview.ratings:
        dk = (len(interview.ratings) - len(rated)) / len(interview.ratings)
        if dk >= t.dont_know_share:
            out.append(Reason("many_dont_know", dk, N_("%(share)d%% of the indicators answered “don't know”"),
                              {"share": percent(dk)}))
    if interview.asked > 0 and interview.unanswered / interview.asked >= t.nonresponse_share:
        out.append(Reason("item_nonresponse", interview.unanswered / interview.asked,
                          N_("%(count)d of %(asked)d applicable questions left unanswered"),
                          {"count": interview.unanswered, "asked": interview.asked}))
    return out


def peer_paces(interviews: Sequence[InterviewRecord]) -> dict[int, float | None]:
    """Per caller, the median pace of the other callers' interviews (None without any)."""
    paces = [(i.caller_id, p) for i in interviews if (p := pace(i)) is not None]
    callers = np.array([c for c, _ in paces])
    values = np.array([p for _, p in paces], dtype=float)
    out: dict[int, float | None] = {}
    for caller in sorted({i.caller_id for i in interviews}):
        others = values[callers != caller] if len(values) else values
        out[caller] = float(np.median(others)) if len(others) else None
    return out


def previous_ends(interviews: Sequence[InterviewRecord]) -> dict[int, float | None]:
    """Per interview, the latest end among the same caller's interviews that started earlier."""
    by_caller: dict[int, list[InterviewRecord]] = defaultdict(list)
    for i in interviews:
        by_caller[i.caller_id].append(i)
    out: dict[int, float | None] = {}
    for own in by_caller.values():
        latest: float | None = None
        for i in sorted(own, key=lambda r: (r.started_at, r.id)):
            out[i.id] = latest
            latest = i.ended_at if latest is None else max(latest, i.ended_at)
    return out


def assess(interviews: Iterable[InterviewRecord], callers: Iterable[CallerRecord] = (), *,
           thresholds: Thresholds = THRESHOLDS) -> dict[int, Assessment]:
    """Every interview's signals (its own and its caller's) and risk, by interview id."""
    ordered = sorted(interviews, key=lambda r: r.id)  # the same answer whatever the input order
    if len({i.id for i in ordered}) != len(ordered):
        raise ValueError("interview ids must be unique")
    peers = peer_paces(ordered)
    previous = previous_ends(ordered)
    by_caller, by_interview = caller_signals(ordered, callers, thresholds=thresholds)
    out: dict[int, Assessment] = {}
    for i in ordered:
        signals = (*interview_signals(i, peer_pace=peers[i.caller_id], previous_end=previous[i.id],
                                      thresholds=thresholds),
                   *by_interview.get(i.id, ()), *by_caller.get(i.caller_id, ()))
        out[i.id] = Assessment(i.id, i.caller_id, signals, risk_score(signals))
    return out
