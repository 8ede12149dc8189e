"""Round reports: a job bulk-loads the round, computes every figure once into a :class:`ReportSnapshot`, and
every page and export renders that snapshot (DESIGN.md flow 3).

The statistics come from the pure ``survey.reports.figures`` (``survey.stats`` underneath); this module
reads the arrays in bulk — one query for the respondents' score vectors — and adds the fieldwork and
issue-loop sections. Nothing personal goes into a snapshot: figures, counts, and complaint texts of the
largest clusters with any run of digits that could be a phone number masked.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import func, select

from .. import queue
from ..errors import InvalidState, NotFound, ValidationError
from ..extensions import db
from ..i18n import N_
from ..models import (
    Callback,
    Case,
    Department,
    FrameUnit,
    Indicator,
    Interview,
    Issue,
    IssueCluster,
    Region,
    ReportSnapshot,
    Round,
    Stratum,
    User,
)
from ..models.types import utcnow
from ..reports.figures import DistrictInfo, IndicatorInfo, RoundData, build_figures
from . import questionnaires, rounds, verification
from .dashboard import aapor_summary

WEIGHTINGS = ("nonresponse", "raked")
Progress = Any
_DIGITS = re.compile(r"\d{5,}")


# --- loading ----------------------------------------------------------------------------------------

def indicator_codes(round_: Round) -> list[str]:
    """The indicators the round's questionnaire measures, in the reference order."""
    measured = set(questionnaires.frozen_indicator_ids(round_.questionnaire_id)) if round_.questionnaire_id else set()
    return [i.code for i in db.session.scalars(select(Indicator).order_by(Indicator.position, Indicator.id))
            if i.code in measured]


def load_round_data(round_id: int, codes: list[str] | None = None) -> RoundData:
    """The round's completed, processed interviews as aligned arrays (quarantined ones are left out)."""
    round_ = rounds.get_round(round_id)
    codes = codes if codes is not None else indicator_codes(round_)
    districts = _district_of()
    rows = db.session.execute(
        select(Interview.id, Interview.questionnaire_id, Interview.vector, Case.stratum_id, FrameUnit.region_id,
               FrameUnit.urban, FrameUnit.sex)
        .join(Case, Case.id == Interview.case_id).join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
        .where(Interview.round_id == round_id, Interview.status == "processed", Interview.outcome == "complete")
        .order_by(Interview.id)).all()
    scores, satisfied = _matrices(round_id, rows, codes)
    strata = db.session.scalars(select(Stratum).where(Stratum.round_id == round_id)).all()
    indicators = {i.code: i for i in db.session.scalars(select(Indicator))}
    units = db.session.scalars(select(Region).where(Region.level != "city").where(Region.parent_id.in_(
        select(Region.id).where(Region.level == "city"))).order_by(Region.position)).all()
    return RoundData(
        round_id=round_.id, name=round_.name,
        strata=np.array([r.stratum_id for r in rows], dtype=np.int64),
        stratum_population={s.id: s.population for s in strata},
        stratum_released={s.id: s.released for s in strata},
        districts=np.array([districts.get(r.region_id, "") for r in rows], dtype=object),
        scores=scores, satisfied=satisfied,
        indicators=[IndicatorInfo(c, indicators[c].name_zh, indicators[c].name_en, indicators[c].weight)
                    for c in codes],
        district_info=[DistrictInfo(u.code, u.name_zh, u.name_en, u.population, u.urban_share) for u in units],
        urban=np.array([bool(r.urban) for r in rows], dtype=bool),
        sex=np.array([r.sex or "" for r in rows], dtype=object))


def _matrices(round_id: int, rows, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Respondents × indicators scores and satisfied (NaN: don't know), in ``codes`` order.

    Each questionnaire version's rows come as one block of float64 bytes (``Interview.vector``, in that
    version's indicator order), mapped onto ``codes``; rows processed before vectors existed are read
    from their JSON.
    """
    n, k = len(rows), len(codes)
    scores, satisfied = np.full((n, k), np.nan), np.full((n, k), np.nan)
    column = {c: j for j, c in enumerate(codes)}
    by_version: dict[int, list[int]] = {}
    legacy: list[int] = []
    for i, row in enumerate(rows):
        (by_version.setdefault(row.questionnaire_id, []) if row.vector is not None else legacy).append(i)
    for questionnaire_id, positions in by_version.items():
        own = list(questionnaires.frozen_indicator_ids(questionnaire_id))
        block = np.frombuffer(b"".join(rows[i].vector for i in positions), dtype=np.float64)
        block = block.reshape(len(positions), 2 * len(own))
        index = np.asarray(positions)
        for j, code in enumerate(own):
            if code in column:
                scores[index, column[code]] = block[:, j]
                satisfied[index, column[code]] = block[:, len(own) + j]
    if legacy:
        stored = {interview_id: (score or {}, sat or {}) for interview_id, score, sat in db.session.execute(
            select(Interview.id, Interview.scores, Interview.satisfied).where(
                Interview.round_id == round_id, Interview.vector.is_(None), Interview.status == "processed"))}
        for i in legacy:
            score, sat = stored[rows[i].id]
            scores[i] = [np.nan if score.get(c) is None else score[c] for c in codes]
            satisfied[i] = [np.nan if sat.get(c) is None else sat[c] for c in codes]
    return scores, satisfied


def _district_of() -> dict[int, str]:
    """Region id → the code of its district or county (a town counts for its district)."""
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    out = {}
    for region in regions.values():
        unit = region
        while unit.level == "town" and unit.parent_id in regions:
            unit = regions[unit.parent_id]
        out[region.id] = unit.code
    return out


# --- building ---------------------------------------------------------------------------------------

def request_snapshot(round_id: int, *, by: User | None, weighting: str = "nonresponse",
                     enqueue: bool = True) -> ReportSnapshot:
    """Queue a (re)build of the round's report; the page follows the job's progress. ``enqueue=False``: the
    caller builds it itself (a job that is already in a worker, such as the simulation)."""
    round_ = rounds.get_round(round_id)
    if weighting not in WEIGHTINGS:
        raise ValidationError(N_("unknown weighting %(name)s"), params={"name": weighting},
                              details=[{"field": "weighting", "message": "one of " + ", ".join(WEIGHTINGS)}])
    if round_.status not in ("fielding", "closed", "reported"):
        raise InvalidState(N_("a report needs interviews: the round has not been fielded yet"))
    snapshot = ReportSnapshot(round_id=round_id, status="building", settings={"weighting": weighting},
                              requested_by_id=by.id if by else None)
    db.session.add(snapshot)
    db.session.flush()
    snapshot.job_id = f"report-{snapshot.id}"
    db.session.commit()
    if enqueue and queue.enqueue("workers.reports.build", snapshot.id, job_id=snapshot.job_id, retry=None,
                     description=f"生成报告 Build the report: {round_.name}") is None:
        snapshot.status, snapshot.message = "failed", "the job queue is not reachable"
        db.session.commit()
    return snapshot


def build(snapshot_id: int, *, progress: Progress | None = None) -> ReportSnapshot:
    """Compute every figure of the snapshot's round and store them (the job's body)."""
    report = progress or (lambda done, total, message="": None)
    started = time.perf_counter()
    snapshot = db.session.get(ReportSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(N_("no such report"))
    if snapshot.status == "ready":
        return snapshot
    round_ = rounds.get_round(snapshot.round_id)
    report(0, 10, "loading")
    codes = indicator_codes(round_)
    current = load_round_data(round_.id, codes)
    previous_round = db.session.get(Round, round_.previous_id) if round_.previous_id else None
    previous, comparable = None, None
    if previous_round is not None and previous_round.questionnaire_id:
        previous = load_round_data(previous_round.id, codes)
        _changes, by_indicator = questionnaires.compare(previous_round.questionnaire_id, round_.questionnaire_id)
        comparable = [c for c in codes if by_indicator.get(c, False)]
    report(3, 10, "estimating")
    content = build_figures(current, previous=previous if previous is not None and len(previous.scores) else None,
                            comparable=comparable, weighting=snapshot.settings.get("weighting", "nonresponse"),
                            progress=lambda done, total, message="": report(3 + 5 * done // max(total, 1), 10,
                                                                               message))
    report(8, 10, "fieldwork and issues")
    content["round"] = {"id": round_.id, "name": round_.name, "status": round_.status,
                        "previous": {"id": previous_round.id, "name": previous_round.name} if previous_round else None}
    content["trend"] = _trend(round_, content)
    content["response"] = response_rates(round_.id)
    content["issues"] = issue_summary(round_.id)
    content["verification"] = verification_summary(round_.id)
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    content["scorecards"] = [_card(c, departments) for c in verification.department_scorecard(round_.id)]
    snapshot.content, snapshot.status = content, "ready"
    snapshot.built_at, snapshot.seconds = utcnow(), round(time.perf_counter() - started, 3)
    db.session.commit()
    report(10, 10, "done")
    return snapshot


def mark_failed(snapshot_id: int, message: str) -> None:
    snapshot = db.session.get(ReportSnapshot, snapshot_id)
    if snapshot is not None and snapshot.status == "building":
        snapshot.status, snapshot.message = "failed", message[:500]
        db.session.commit()


def _trend(round_: Round, content: dict[str, Any]) -> list[dict[str, Any]]:
    """Headline figures over the chain of rounds this one was copied from, oldest first (their snapshots)."""
    chain, seen, cursor = [], {round_.id}, round_.previous_id
    while cursor is not None and cursor not in seen and len(chain) < 20:
        seen.add(cursor)
        earlier = db.session.get(Round, cursor)
        if earlier is None:
            break
        snapshot = latest(earlier.id)
        if snapshot is not None:
            chain.append({"round_id": earlier.id, "name": earlier.name, **snapshot.content["headline"]})
        cursor = earlier.previous_id
    headline = content["headline"]
    return [*reversed(chain), {"round_id": round_.id, "name": round_.name, **headline}]


# --- sections besides the statistics ----------------------------------------------------------------

def response_rates(round_id: int) -> list[dict[str, Any]]:
    """AAPOR rates per district (and for the city) from the cases' final dispositions."""
    districts = _district_of()
    by_district: dict[str, Counter] = {}
    city: Counter = Counter()
    for region_id, group, n in db.session.execute(
            select(FrameUnit.region_id, Case.final_group, func.count()).join(Case, Case.frame_unit_id == FrameUnit.id)
            .where(Case.round_id == round_id, Case.final_group.is_not(None))
            .group_by(FrameUnit.region_id, Case.final_group)):
        by_district.setdefault(districts.get(region_id, ""), Counter())[group] += n
        city[group] += n
    names = {r.code: r for r in db.session.scalars(select(Region))}
    rows = [{"district": code, "name_zh": names[code].name_zh if code in names else code,
             "name_en": names[code].name_en if code in names else code, "counts": dict(counts),
             "rates": aapor_summary(dict(counts))}
            for code, counts in sorted(by_district.items(), key=lambda kv: names[kv[0]].position
                                       if kv[0] in names else 0)]
    return [*rows, {"district": "all", "name_zh": "全市", "name_en": "City", "counts": dict(city),
                    "rates": aapor_summary(dict(city))}]


def mask_digits(text: str) -> str:
    """Complaint texts in reports: a run of 5+ digits (a phone number, an ID) is masked."""
    return _DIGITS.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 3), text)


def issue_summary(round_id: int) -> dict[str, Any]:
    departments = {d.id: d for d in db.session.scalars(select(Department))}
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    by_category = db.session.execute(select(Issue.category, func.count()).where(Issue.round_id == round_id)
                                     .group_by(Issue.category).order_by(func.count().desc())).all()
    by_department = db.session.execute(select(Issue.department_id, func.count()).where(Issue.round_id == round_id)
                                       .group_by(Issue.department_id).order_by(func.count().desc())).all()
    status = dict(db.session.execute(select(Issue.status, func.count()).where(Issue.round_id == round_id)
                                     .group_by(Issue.status)).all())
    overdue = db.session.scalar(select(func.count()).select_from(Issue).where(
        Issue.round_id == round_id, Issue.status.in_(("assigned", "reopened")), Issue.deadline < utcnow())) or 0
    clusters = db.session.scalars(select(IssueCluster).where(IssueCluster.round_id == round_id)
                                  .order_by(IssueCluster.size.desc(), IssueCluster.id).limit(10)).all()
    respondents = db.session.scalar(select(func.count(func.distinct(Issue.interview_id)))
                                    .where(Issue.round_id == round_id)) or 0
    callbacks = dict(db.session.execute(select(Callback.status, func.count()).where(Callback.round_id == round_id)
                                        .group_by(Callback.status)).all())

    def department(i: int | None) -> dict[str, str]:
        d = departments.get(i)
        return {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en} if d else \
            {"code": "", "name_zh": "未分派", "name_en": "Not routed"}

    return {
        "total": sum(status.values()), "respondents": respondents, "status": status, "overdue": overdue,
        "callbacks": callbacks,
        "by_category": [{"category": c, "count": n} for c, n in by_category],
        "by_department": [{**department(d), "count": n} for d, n in by_department],
        "top_clusters": [{"label": mask_digits(c.label), "size": c.size, "category": c.category,
                          "district_zh": regions[c.region_id].name_zh if c.region_id in regions else "",
                          "district_en": regions[c.region_id].name_en if c.region_id in regions else ""}
                         for c in clusters],
    }


def verification_summary(round_id: int) -> dict[str, Any]:
    counts = {f"{kind}:{outcome}": n for (kind, outcome), n in verification.counts(round_id).items()}
    quarantined = db.session.scalar(select(func.count()).select_from(Interview).where(
        Interview.round_id == round_id, Interview.status == "quarantined")) or 0
    return {"counts": counts, "quarantined": quarantined}


def _card(card, departments: dict[str, Department]) -> dict[str, Any]:
    department = departments.get(card.department)
    return {"code": card.department, "name_zh": department.name_zh if department else card.department,
            "name_en": department.name_en if department else card.department, "below": list(card.below),
            **{name: {"numerator": card.rate(name).numerator, "denominator": card.rate(name).denominator,
                      "value": card.rate(name).value}
               for name in ("on_time", "callback_resolution", "callback_satisfaction", "spot_check_pass")}}


# --- reading ----------------------------------------------------------------------------------------

def latest(round_id: int) -> ReportSnapshot | None:
    return db.session.scalar(select(ReportSnapshot).where(ReportSnapshot.round_id == round_id,
                                                          ReportSnapshot.status == "ready")
                             .order_by(ReportSnapshot.id.desc()).limit(1))


def building(round_id: int) -> ReportSnapshot | None:
    return db.session.scalar(select(ReportSnapshot).where(ReportSnapshot.round_id == round_id,
                                                          ReportSnapshot.status == "building")
                             .order_by(ReportSnapshot.id.desc()).limit(1))


def reported_rounds() -> list[tuple[Round, ReportSnapshot | None]]:
    rounds_ = db.session.scalars(select(Round).where(Round.status.in_(("fielding", "closed", "reported")))
                                 .order_by(Round.id.desc())).all()
    return [(r, latest(r.id)) for r in rounds_]
