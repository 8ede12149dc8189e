"""Rounds: design one over a frame, preview its strata, draw its sample (as a job), export it."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, func, select

from .. import queue
from ..errors import DomainError, InvalidState, NotFound, ValidationError
from ..extensions import db
from ..i18n import N_
from ..models import Case, Frame, FrameUnit, Questionnaire, Region, Round, Stratum, User
from ..models.types import utcnow
from ..phones import mask
from ..sampling import select as draw_sample
from ..sampling.design import Design, Plan, plan
from ..sampling.frame_rows import LEVELS, cell_parts
from . import audit, lifecycle
from .frames import bulk_insert, vault
from .naming import unique_name

Progress = Callable[[int, int, str], None]
LABELS_ZH = {"urban": {True: "城镇", False: "农村"}, "sex": {"M": "男", "F": "女"}}


def create_round(name: str, frame_id: int, design: dict[str, Any], *, by: User | None = None,
                 questionnaire_id: int | None = None, previous_id: int | None = None) -> Round:
    name = unique_name(Round, name)
    frame = db.session.get(Frame, frame_id)
    if frame is None or frame.status != "ready":
        raise ValidationError(N_("choose a frame that has been imported"),
                              details=[{"field": "frame_id", "message": "not a ready frame"}])
    checked = Design.from_dict(design)
    preview(frame.id, checked)  # an infeasible design is refused here, with its reason, not at the draw
    if questionnaire_id is not None and db.session.get(Questionnaire, questionnaire_id) is None:
        raise ValidationError(N_("choose a questionnaire"), details=[{"field": "questionnaire_id",
                                                                     "message": "no such questionnaire"}])
    round_ = Round(name=name, frame_id=frame.id, design=checked.to_dict(), created_by_id=by.id if by else None,
                   questionnaire_id=questionnaire_id, previous_id=previous_id)
    db.session.add(round_)
    db.session.flush()
    audit.record("round.created", actor=by, target=round_, copied_from=previous_id)
    db.session.commit()
    return round_


def get_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(f"no round {round_id}")
    return round_


def list_rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).order_by(Round.created_at.desc())))


def copy_round(round_id: int, name: str, *, by: User | None = None) -> Round:
    """"New round from previous": the same frame, design (without the seed) and questionnaire version."""
    previous = get_round(round_id)
    design = dict(previous.design)
    return create_round(name or f"{previous.name} (2)", previous.frame_id or 0, design, by=by,
                        questionnaire_id=previous.questionnaire_id, previous_id=previous.id)


QUESTIONNAIRE_STATUSES_ALLOWED = ("draft", "sampling", "sampled")


def set_questionnaire(round_id: int, questionnaire_id: int, *, by: User | None = None) -> Round:
    """Choose the round's questionnaire version — until fieldwork starts."""
    round_ = get_round(round_id)
    if round_.status not in QUESTIONNAIRE_STATUSES_ALLOWED:
        raise InvalidState(N_("round %(name)s is %(status)s: its questionnaire can no longer change"),
                           params={"name": round_.name, "status": round_.status})
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        raise ValidationError(N_("choose a questionnaire"), details=[{"field": "questionnaire_id",
                                                                     "message": "no such questionnaire"}])
    round_.questionnaire_id = questionnaire.id
    audit.record("round.questionnaire", actor=by, target=round_, questionnaire=questionnaire.label)
    db.session.commit()
    return round_


def set_call_rules(round_id: int, data: dict[str, Any], *, by: User | None = None) -> Round:
    """The round's call rules (windows, attempts, retry delays, claim expiry); changeable in the field too."""
    from ..fieldwork.rules import CallRules

    round_ = get_round(round_id)
    if round_.status in ("closed", "reported"):
        raise InvalidState(N_("round %(name)s is %(status)s: its call rules can no longer change"),
                           params={"name": round_.name, "status": round_.status})
    round_.call_rules = CallRules.from_dict(data).to_dict()
    audit.record("round.call_rules", actor=by, target=round_, rules=round_.call_rules)
    db.session.commit()
    return round_


def update_design(round_: Round, design: dict[str, Any], *, by: User | None = None) -> Round:
    if round_.status != "draft":
        raise InvalidState("the sample has been drawn: the design is fixed")
    round_.design = Design.from_dict(design).to_dict()
    audit.record("round.design_changed", actor=by, target=round_)
    db.session.commit()
    return round_


# --- strata of a frame ------------------------------------------------------------------------------

def _columns(variables: tuple[str, ...]):
    return [FrameUnit.region_id if v == "region" else getattr(FrameUnit, v) for v in variables]


def _recent_rounds(frame_round: Round | None, k: int) -> list[int]:
    if not k:
        return []
    query = select(Round.id).where(Round.drawn_at.is_not(None)).order_by(Round.drawn_at.desc()).limit(k)
    if frame_round is not None and frame_round.id is not None:
        query = query.where(Round.id != frame_round.id)
    return list(db.session.scalars(query))


def _eligible(frame_id: int, exclude_rounds: list[int]):
    """Units of the frame whose number is still there (not erased), less the numbers (by keyed hash) called in
    the given rounds. Erased numbers have no digest: they are left out of the NOT IN list, which would otherwise
    hold NULL and so match nothing at all."""
    condition = and_(FrameUnit.frame_id == frame_id, FrameUnit.erased_at.is_(None))
    if exclude_rounds:
        called = (select(FrameUnit.phone_hash).join(Case, Case.frame_unit_id == FrameUnit.id)
                  .where(Case.round_id.in_(exclude_rounds), FrameUnit.phone_hash.is_not(None)))
        condition = and_(condition, FrameUnit.phone_hash.not_in(called))
    return condition


class _Keys:
    """Stratum keys and labels from the stratum variables' values, in a stable, meaningful order."""

    def __init__(self, variables: tuple[str, ...]) -> None:
        self.variables = variables
        regions = db.session.execute(select(Region.id, Region.code, Region.name_zh, Region.position)).all()
        self.region_code = {r.id: r.code for r in regions}
        self.region_name = {r.id: r.name_zh for r in regions}
        self.region_rank = {r.id: (r.position, r.id) for r in regions}

    def rank(self, values: tuple) -> tuple:
        return tuple(self.region_rank.get(v, (0, v)) if name == "region" else LEVELS[name].index(v)
                     for name, v in zip(self.variables, values, strict=True))

    def key(self, values: tuple) -> str:
        parts = []
        for name, v in zip(self.variables, values, strict=True):
            if name == "region":
                parts.append(self.region_code[v])
            elif name == "urban":
                parts.append("urban" if v else "rural")
            else:
                parts.append(str(v))
        return "|".join(parts)

    def label(self, values: tuple) -> dict[str, Any]:
        return {name: (self.region_code[v] if name == "region" else v)
                for name, v in zip(self.variables, values, strict=True)}

    def display(self, label: dict[str, Any]) -> str:
        names = {code: self.region_name[i] for i, code in self.region_code.items()}
        parts = []
        for name in self.variables:
            v = label[name]
            parts.append(names.get(v, v) if name == "region" else LABELS_ZH.get(name, {}).get(v, v))
        return " · ".join(str(p) for p in parts)


@dataclass(frozen=True)
class Preview:
    plan: Plan
    missing: int  # units lacking a value for a stratum variable: they cannot be drawn
    excluded: int  # units left out because their number was called in a recent round
    display: dict[str, str]  # stratum key → readable label
    erased: int = 0  # units whose number was erased after its retention period: they cannot be drawn


def preview(frame_id: int, design: Design, *, round_: Round | None = None) -> Preview:
    """The design over the frame as it is now: per-stratum N_h, n_h, issued and ± (grouped SQL, fast)."""
    keys = _Keys(design.strata)
    columns = _columns(design.strata)
    exclude = _recent_rounds(round_, design.exclude_recent_rounds)
    groups = db.session.execute(select(*columns, func.count()).where(_eligible(frame_id, exclude))
                                .group_by(*columns)).all()
    total_all, erased = db.session.execute(select(func.count(), func.count(FrameUnit.erased_at))
                                           .where(FrameUnit.frame_id == frame_id)).one()
    complete = [(tuple(g[:-1]), g[-1]) for g in groups if all(v is not None for v in g[:-1])]
    missing = sum(g[-1] for g in groups if any(v is None for v in g[:-1]))
    complete.sort(key=lambda item: keys.rank(item[0]))
    stratum_keys = [keys.key(v) for v, _ in complete]
    labels = [keys.label(v) for v, _ in complete]
    result = plan(design, stratum_keys, labels, [n for _, n in complete])
    excluded = total_all - erased - sum(g[-1] for g in groups)
    return Preview(result, missing, excluded, {k: keys.display(lab) for k, lab in zip(stratum_keys, labels,
                                                                                           strict=True)}, erased)


# --- the draw ---------------------------------------------------------------------------------------

def request_draw(round_id: int, *, seed: int, by: User | None = None) -> str | None:
    """Fix the seed and queue the draw; the page follows the job's progress."""
    round_ = get_round(round_id)
    if round_.status not in ("draft", "sampling"):
        raise InvalidState(N_("this round's sample has been drawn already"))
    if round_.status == "draft":
        lifecycle.move(round_, "sampling", by=by)
    round_.seed = int(seed)
    round_.draw_job_id = f"draw-round-{round_.id}"
    audit.record("round.draw_requested", actor=by, target=round_, seed=int(seed))
    db.session.commit()
    job_id = queue.enqueue("workers.sampling.draw", round_.id, job_id=round_.draw_job_id,
                           description=f"抽取样本 Draw the sample: {round_.name}", retry=None)
    if job_id is None:  # no queue: back to draft, so the coordinator can simply try again
        lifecycle.move(round_, "draft", by=None, reason="the job queue is not reachable", system=True)
        db.session.commit()
    return job_id


def draw(round_id: int, *, seed: int | None = None, progress: Progress | None = None) -> Round:
    """Draw the round's stratified sample and write its strata and cases, in one transaction.

    Idempotent: a round already sampled is returned as it is.
    """
    report = progress or (lambda done, total, message="": None)
    round_ = get_round(round_id)
    if round_.status not in ("draft", "sampling"):
        return round_
    try:
        return _draw(round_, seed, report)
    except DomainError as exc:
        # A design the frame can no longer satisfy: back to draft with the reason, nothing half-written.
        db.session.rollback()
        round_ = get_round(round_id)
        if round_.status == "sampling":
            lifecycle.move(round_, "draft", by=None, reason=exc.message, system=True)
        audit.record("round.draw_failed", actor=None, target=round_, reason=exc.message)
        db.session.commit()
        raise


def _draw(round_: Round, seed: int | None, report: Progress) -> Round:
    seed = round_.seed if seed is None else int(seed)
    if seed is None:
        raise ValidationError("a draw needs a seed", details=[{"field": "seed", "message": "required"}])
    design = Design.from_dict(round_.design)
    report(0, 4, "reading the frame")
    # PostgreSQL: an erasure of this frame's numbers (services/retention.py) waits for the draw, or the draw for it.
    db.session.execute(select(Frame.id).where(Frame.id == round_.frame_id).with_for_update(read=True))
    keys = _Keys(design.strata)
    exclude = _recent_rounds(round_, design.exclude_recent_rounds)
    unit_ids, codes, distinct = _stratum_codes(round_.frame_id, design.strata, exclude, keys)
    if not len(unit_ids):
        raise ValidationError("the frame has no units left to draw from", details=[{"field": "frame_id",
                                                                                      "message": "empty"}])
    complete = codes >= 0
    present = np.unique(codes[complete])  # stratum codes that occur, in rank order
    position_of = np.full(int(present.max()) + 1 if len(present) else 1, -1, dtype=np.int64)
    position_of[present] = np.arange(len(present))
    codes = np.where(complete, position_of[np.maximum(codes, 0)], -1)
    distinct = [distinct(int(code)) for code in present]
    populations = np.bincount(codes[complete], minlength=len(distinct))
    report(1, 4, "allocating")
    stratum_keys = [keys.key(v) for v in distinct]
    result = plan(design, stratum_keys, [keys.label(v) for v in distinct], populations.tolist())
    report(2, 4, "drawing")
    eligible = np.flatnonzero(complete)
    selection = draw_sample(codes[eligible], {i: s.selected for i, s in enumerate(result.strata)}, seed=seed,
                            replicate_size={i: s.replicate_size for i, s in enumerate(result.strata)})
    report(3, 4, "writing the cases")
    db.session.execute(delete(Stratum).where(Stratum.round_id == round_.id))
    strata_rows = []
    for position, s in enumerate(result.strata):
        initial = _initial_release(s)
        strata_rows.append(Stratum(round_id=round_.id, position=position, key=s.key, label=s.label,
                                   population=s.population, target=s.target, issued=s.issued, selected=s.selected,
                                   replicate_size=s.replicate_size, released=initial))
    db.session.add_all(strata_rows)
    db.session.flush()
    stratum_id = np.array([s.id for s in strata_rows], dtype=np.int64)
    initial_replicates = np.array([_initial_replicates(s) for s in result.strata], dtype=np.int64)
    chosen_units = unit_ids[eligible[selection.rows]]
    stratum_codes = selection.stratum.astype(np.int64)
    released = selection.replicate <= initial_replicates[stratum_codes]
    bulk_insert("survey_case", ("round_id", "stratum_id", "frame_unit_id", "replicate", "released"),
                list(zip([round_.id] * len(chosen_units), stratum_id[stratum_codes].tolist(), chosen_units.tolist(),
                         selection.replicate.tolist(), released.tolist(), strict=True)))
    if round_.status == "draft":  # drawn at once (CLI), without the queue
        lifecycle.move(round_, "sampling", by=None, system=True)
    db.session.flush()
    lifecycle.move(round_, "sampled", by=None, system=True)
    round_.seed, round_.drawn_at = seed, utcnow()
    audit.record("round.drawn", actor=None, target=round_, seed=seed, cases=len(chosen_units),
                 excluded_missing=int((~complete).sum()))
    db.session.commit()
    report(4, 4, "done")
    return round_


def fetch_integers(query, *, columns: int) -> np.ndarray:
    """Run a query of integer columns straight through the driver into an int64 array (10⁶ rows in well
    under a second; SQLAlchemy's Row objects would take several)."""
    connection = db.session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()  # the DBAPI cursor: plain tuples, which NumPy reads at C speed
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    flat = itertools.chain.from_iterable(rows)
    return np.fromiter(flat, dtype=np.int64, count=len(rows) * columns).reshape(-1, columns)


def _stratum_codes(frame_id: int, variables: tuple[str, ...], exclude: list[int], keys: _Keys):
    """Unit ids and one stratum code per unit, from the units' cells (two integer columns to read).

    The code is a mixed-radix number of each chosen variable's rank (region by position, then
    城镇/农村, 男/女, age bands in order), so sorting codes sorts strata as the preview does; −1 marks
    a unit with a missing value. Returns ``(unit_ids, codes, decode)`` where ``decode(code)`` gives the
    variables' values.
    """
    table = fetch_integers(select(FrameUnit.id, FrameUnit.cell).where(_eligible(frame_id, exclude))
                           .order_by(FrameUnit.id), columns=2)
    region_id, urban, sex, band = cell_parts(table[:, 1])
    region_ids = sorted(keys.region_code, key=lambda rid: keys.region_rank[rid])
    region_rank = np.full(max(region_ids, default=0) + 1, -1, dtype=np.int64)
    region_rank[region_ids] = np.arange(len(region_ids))
    ranks = {"region": np.where(region_id < len(region_rank), region_rank[np.minimum(region_id, len(region_rank) - 1)],
                                -1),
             "urban": urban, "sex": sex, "age_band": band}
    levels = {"region": region_ids, **LEVELS}
    codes = np.zeros(len(table), dtype=np.int64)
    missing = np.zeros(len(table), dtype=bool)
    for name in variables:
        codes = codes * len(levels[name]) + ranks[name]
        missing |= ranks[name] < 0
    codes[missing] = -1

    def decode(value: int) -> tuple:
        out = []
        for name in reversed(variables):
            value, index = divmod(value, len(levels[name]))
            out.append(levels[name][index])
        return tuple(reversed(out))

    return table[:, 0], codes, decode


def _initial_replicates(s) -> int:
    """Replicates released at the start: those covering the issued numbers; the rest are the reserve."""
    return -(-s.issued // s.replicate_size) if s.issued else 0


def _initial_release(s) -> int:
    return min(s.selected, _initial_replicates(s) * s.replicate_size)


@dataclass(frozen=True)
class StratumSummary:
    key: str
    display: str
    population: int
    target: int
    issued: int
    selected: int
    released: int
    base_weight: float | None


def stratum_display(round_: Round, stratum: Stratum) -> str:
    """A stratum as people read it: 城中区 · 城镇 (not its key)."""
    return _Keys(tuple(round_.design.get("strata", ["region"]))).display(stratum.label)


def summary(round_: Round) -> list[StratumSummary]:
    keys = _Keys(tuple(round_.design.get("strata", ["region"])))
    return [StratumSummary(s.key, keys.display(s.label), s.population, s.target, s.issued, s.selected, s.released,
                           s.population / s.released if s.released else None) for s in round_.strata]


def export_csv(round_: Round, *, with_phones: bool, by: User, erased: str = "erased") -> str:
    """The sample as CSV: one row per case. Clear numbers only when asked for by an allowed role — audited.
    A number erased after its retention period reads ``erased`` (the caller's translation of the word)."""
    keys = _Keys(tuple(round_.design.get("strata", ["region"])))
    rows = db.session.execute(
        select(Case.id, Stratum.key, Stratum.label, Case.replicate, Case.released, Stratum.population,
               Stratum.released, FrameUnit.phone_enc, FrameUnit.id)
        .join(Stratum, Stratum.id == Case.stratum_id).join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
        .where(Case.round_id == round_.id).order_by(Stratum.position, Case.id)).all()
    phones = vault()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["case_id", "stratum", "stratum_label", "replicate", "released", "base_weight", "phone"])
    for case_id, key, label, replicate, is_released, population, released, token, _unit in rows:
        weight = f"{population / released:.6f}" if released else ""
        if token is None:
            shown = erased
        else:
            number = phones.decrypt(token)
            shown = number if with_phones else mask(number)
        writer.writerow([case_id, key, keys.display(label), replicate, int(bool(is_released)), weight, shown])
    audit.record("sample.exported", actor=by, target=round_, cases=len(rows), with_phones=with_phones)
    db.session.commit()
    return "\ufeff" + out.getvalue()
