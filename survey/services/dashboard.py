"""The supervisor's live view of a round: progress and AAPOR rates per stratum and per caller,
caller productivity, and the processing queue. A handful of grouped queries; no row per case in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import median
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, select

from .. import queue
from ..extensions import db
from ..models import CallAttempt, Case, Interview, Stratum, User
from ..stats import aapor_rates, estimate_e
from . import rounds

RATE_NAMES = ("RR1", "RR3", "RR5", "COOP1", "REF1", "CON1")
GROUPS = ("I", "P", "R", "NC", "O", "UH", "UO")


@dataclass
class Line:
    """One row of the dashboard: a stratum, a caller, or the whole round."""

    label: str
    counts: dict[str, int] = field(default_factory=dict)  # final groups, NE included
    rates: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def aapor_summary(counts: dict[str, int]) -> dict[str, float]:
    """The monitor's AAPOR rates from final-group counts (e estimated from the resolved cases)."""
    known = {g: counts.get(g, 0) for g in GROUPS}
    if not any(known.values()):
        return {}
    e = estimate_e(known, counts.get("NE", 0))
    rates = aapor_rates(known, e if e == e else None)  # NaN e (nothing resolved yet) → no e-rates
    return {name: rates[name] for name in RATE_NAMES}


def round_progress(round_id: int) -> dict[str, Any]:
    round_ = rounds.get_round(round_id)
    strata = db.session.scalars(select(Stratum).where(Stratum.round_id == round_id).order_by(Stratum.position)).all()
    finals: dict[int, dict[str, int]] = {}
    for stratum_id, group, n in db.session.execute(
            select(Case.stratum_id, Case.final_group, func.count()).where(Case.round_id == round_id,
                                                                          Case.final_group.is_not(None))
            .group_by(Case.stratum_id, Case.final_group)):
        finals.setdefault(stratum_id, {})[group] = n
    open_cases = dict(db.session.execute(
        select(Case.stratum_id, func.count()).where(Case.round_id == round_id, Case.released,
                                                    Case.final_code.is_(None)).group_by(Case.stratum_id)).all())
    display = {row.key: row.display for row in rounds.summary(round_)}
    lines, total = [], {}
    for s in strata:
        counts = finals.get(s.id, {})
        for group, n in counts.items():
            total[group] = total.get(group, 0) + n
        completes = counts.get("I", 0)
        lines.append(Line(display.get(s.key, s.key), counts, aapor_summary(counts), {
            "target": s.target, "released": s.released, "completes": completes, "partials": counts.get("P", 0),
            "remaining": max(0, s.target - completes), "open": open_cases.get(s.id, 0)}))
    whole = Line("total", total, aapor_summary(total), {
        "target": sum(s.target for s in strata), "released": sum(s.released for s in strata),
        "completes": total.get("I", 0), "partials": total.get("P", 0),
        "remaining": sum(line.extra["remaining"] for line in lines), "open": sum(open_cases.values())})
    return {"round": round_, "strata": lines, "total": whole, "callers": caller_lines(round_id),
            "queue": queue_state(round_id), "updated": datetime.now(UTC)}


def caller_lines(round_id: int) -> list[Line]:
    """Per caller: dials, completes, productivity, median interview length and their cases' rates (a
    finished case counts for the caller of its last attempt)."""
    activity = db.session.execute(
        select(CallAttempt.caller_id, func.count(), func.min(CallAttempt.started_at), func.max(CallAttempt.started_at))
        .where(CallAttempt.round_id == round_id).group_by(CallAttempt.caller_id)).all()
    last_attempt = (select(func.max(CallAttempt.id).label("id")).where(CallAttempt.round_id == round_id)
                    .group_by(CallAttempt.case_id).subquery())
    finals: dict[int, dict[str, int]] = {}
    for caller_id, group, n in db.session.execute(
            select(CallAttempt.caller_id, Case.final_group, func.count())
            .join(last_attempt, CallAttempt.id == last_attempt.c.id).join(Case, Case.id == CallAttempt.case_id)
            .where(Case.final_group.is_not(None)).group_by(CallAttempt.caller_id, Case.final_group)):
        finals.setdefault(caller_id, {})[group] = n
    lengths: dict[int, list[float]] = {}
    for caller_id, seconds in db.session.execute(
            select(Interview.caller_id, Interview.duration_seconds).where(Interview.round_id == round_id,
                                                                          Interview.final_code == "1.1",
                                                                          Interview.duration_seconds.is_not(None))):
        lengths.setdefault(caller_id, []).append(seconds)
    names = dict(db.session.execute(select(User.id, User.display_name)
                                    .where(User.id.in_([row[0] for row in activity]))).all())
    lines = []
    for caller_id, dials, first, last in activity:
        counts = finals.get(caller_id, {})
        hours = max((last - first).total_seconds() / 3600, 0.25) if first and last else 0.25
        completes = counts.get("I", 0)
        lines.append(Line(names.get(caller_id) or str(caller_id), counts, aapor_summary(counts), {
            "dials": dials, "completes": completes, "dials_per_hour": dials / hours,
            "completes_per_hour": completes / hours,
            "median_minutes": median(lengths[caller_id]) / 60 if lengths.get(caller_id) else None}))
    return sorted(lines, key=lambda line: -line.extra["completes"])


def queue_state(round_id: int) -> dict[str, Any]:
    waiting = db.session.scalar(select(func.count()).select_from(Interview).where(Interview.round_id == round_id,
                                                                                 Interview.status == "received"))
    state: dict[str, Any] = {"waiting": waiting, "depth": None, "failed": None, "reachable": True}
    try:
        q = queue.get_queue()
        state["depth"], state["failed"] = q.count, q.failed_job_registry.count
    except RedisError:
        state["reachable"] = False
    return state
