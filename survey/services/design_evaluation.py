"""Design evaluation: compare several allocations of a round's completes before it is drawn (or after, to learn).

The coordinator picks up to six options (an allocation method, a number of completes, a base per district);
a job simulates ``replicates`` rounds of each over a synthetic population of the round's city — its districts'
census figures from the ``Region`` table and the indicators of the round's questionnaire — with the pure
:func:`survey.simulation.evaluation.evaluate`, and stores what each buys in precision, coverage, dials and
caller-hours in a :class:`SimulationRun` (kind ``design``). Pages render that stored result.

The simulation is stratified by district only: a round designed over district × urban/rural (or more) is
evaluated as the same completes over the districts, its base per stratum counted once per stratum of a district.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

import numpy as np
from sqlalchemy import select

from .. import queue
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..i18n import N_
from ..models import Indicator, Region, Round, SimulationRun, User
from ..models.types import utcnow
from ..sampling import METHODS
from ..sampling.frame_rows import LEVELS
from ..simulation.evaluation import DesignOption, evaluate
from ..simulation.frame import Unit
from ..simulation.population import Population, demo_population
from . import questionnaires, rounds

Progress = Callable[[int, int, str], None]
KIND = "design"
MAX_OPTIONS = 6
MIN_COMPLETES = 12  # two per district of a six-district city: fewer and a district's variance is unknown
MAX_COMPLETES = 100_000
DEFAULT_COMPLETES = 1000  # when the round's design names no target
MIN_REPLICATES, MAX_REPLICATES, DEFAULT_REPLICATES = 100, 5000, 1000
MAX_LABEL = 60
UNIT_LEVELS = ("district", "county_city", "county")  # the units a city's report is broken down by
DEFAULT_LABELS = {"own": N_("This round's design"), "proportional": N_("Proportional"), "equal": N_("Equal"),
                  "neyman": N_("Neyman"), "power": N_("Power")}
# Seconds per complete per replicate of the evaluation on these machines (measured ~1.4 µs), with room to spare.
SECONDS_PER_DRAW = 1e-5


# --- the population -------------------------------------------------------------------------------

def units() -> list[Region]:
    """The city's districts and counties (the report's units), in their reference order."""
    cities = select(Region.id).where(Region.level == "city")
    return list(db.session.scalars(select(Region).where(Region.level.in_(UNIT_LEVELS), Region.parent_id.in_(cities),
                                                        Region.population > 0)
                                   .order_by(Region.position, Region.id)))


def indicators(round_: Round) -> list[str]:
    """The indicator codes of the round's questionnaire's scale questions, in question order (every indicator
    of the reference list when the round has no questionnaire yet)."""
    if round_.questionnaire_id is None:
        return questionnaires.indicator_codes()
    instrument, _ids = questionnaires.frozen(round_.questionnaire_id)
    codes: list[str] = []
    for question in instrument.questions:
        if question.type == "scale" and question.indicator and question.indicator not in codes:
            codes.append(question.indicator)
    return codes


def indicator_weights(codes: list[str]) -> list[float]:
    """The indicators' composite weights, normalised to add up to 1 (equal when none is positive)."""
    weight = dict(db.session.execute(select(Indicator.code, Indicator.weight).where(Indicator.code.in_(codes))).all())
    raw = np.array([max(float(weight.get(c, 1.0) or 0.0), 0.0) for c in codes])
    if not len(raw):
        return []
    return (raw / raw.sum() if raw.sum() > 0 else np.full(len(raw), 1 / len(raw))).tolist()


def population_for(round_: Round, *, seed: int = 1) -> Population:
    """A synthetic population of the round's city: its districts' census figures, its questionnaire's indicators."""
    regions = units()
    if not regions:
        raise ValidationError(N_("the city has no districts with a population: load the reference data first"),
                              details=[{"field": "round", "message": "no districts"}])
    codes = indicators(round_)
    if not codes:
        raise ValidationError(N_("the round's questionnaire measures no indicator"),
                              details=[{"field": "round", "message": "no indicators"}])
    return demo_population(int(seed), units=[Unit(r.code, r.name_zh, int(r.population), float(r.urban_share))
                                             for r in regions], indicators=codes)


# --- the options ------------------------------------------------------------------------------------

def _key(option: DesignOption) -> tuple:
    return (option.method, option.completes, option.base, option.power if option.method == "power" else None)


def default_options(round_: Round) -> list[DesignOption]:
    """The round's own design, then proportional, equal and Neyman allocations of the same completes."""
    design = round_.design or {}
    completes = int(design.get("target") or sum(s.target for s in round_.strata) or DEFAULT_COMPLETES)
    completes = min(max(completes, MIN_COMPLETES), MAX_COMPLETES)
    options: list[DesignOption] = []
    method = design.get("method")
    if method in METHODS:
        strata = list(design.get("strata") or ["region"])
        base = int(design.get("base") or 0)
        if "region" in strata:  # the base is per stratum: a district holds one stratum per other level
            base *= math.prod(len(LEVELS[v]) for v in strata if v != "region")
        else:
            base = 0
        power = float(design.get("power", 0.5)) if method == "power" else 1.0
        own = DesignOption(DEFAULT_LABELS["own"], method, completes, base=base, power=power)
        if base * max(len(units()), 1) <= completes:
            options.append(own)
    for method in ("proportional", "equal", "neyman"):
        candidate = DesignOption(DEFAULT_LABELS[method], method, completes)
        if all(_key(candidate) != _key(o) for o in options):
            options.append(candidate)
    return options


def option_rows(data: Mapping[str, Any]) -> list[int]:
    """The row numbers of the form's options (``options-<i>-…``), in order."""
    rows = set()
    for name in data:
        parts = str(name).split("-")
        if len(parts) == 3 and parts[0] == "options" and parts[1].isdigit():
            rows.add(int(parts[1]))
    return sorted(rows)


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value).strip()


def _chosen(data: Mapping[str, Any], row: int) -> bool:
    return _text(data, f"options-{row}-include").lower() in ("1", "on", "true", "yes", "y")


def parse_options(data: Mapping[str, Any], *, population: Population | None = None) -> list[DesignOption]:
    """The chosen rows of the form as options; every problem names its row and field (``options-2-completes``).

    A row counts when its ``options-<i>-include`` box is ticked. With a ``population`` each option's allocation is
    also checked (every district needs at least two completes).
    """
    problems: list[dict[str, str]] = []
    options: list[tuple[int, DesignOption]] = []
    chosen = [row for row in option_rows(data) if _chosen(data, row)]
    if not chosen:
        problems.append({"field": "options", "message": "choose at least one option"})
    elif len(chosen) > MAX_OPTIONS:
        problems.append({"field": "options", "message": f"choose at most {MAX_OPTIONS} options"})
    labels: set[str] = set()
    for row in chosen if len(chosen) <= MAX_OPTIONS else []:
        option = _parse_row(data, row, labels, len(population.units) if population is not None else 1, problems)
        if option is not None:
            options.append((row, option))
    if population is not None and not problems:
        for row, option in options:
            problem = feasibility(population, option)
            if problem:
                problems.append({"field": f"options-{row}-completes", "message": problem})
    if problems:
        raise ValidationError(_summary(problems), details=problems)
    return [option for _row, option in options]


def _parse_row(data: Mapping[str, Any], row: int, labels: set[str], districts: int,
               problems: list[dict[str, str]]) -> DesignOption | None:
    """One row of the form as an option, or None with its problems added (each naming ``options-<row>-<field>``)."""
    before = len(problems)

    def field(name: str) -> str:
        return f"options-{row}-{name}"

    def fail(name: str, message: str) -> None:
        problems.append({"field": field(name), "message": message})

    label = _text(data, field("label")) or f"Option {row + 1}"
    if len(label) > MAX_LABEL:
        fail("label", f"at most {MAX_LABEL} characters")
    elif label in labels:
        fail("label", "another option has this label")
    labels.add(label)
    method = _text(data, field("method"))
    if method not in METHODS:
        fail("method", f"one of {', '.join(METHODS)}")
    completes = _whole(data, field("completes"), None, problems)
    if completes is None and not _text(data, field("completes")):
        fail("completes", "required")
    elif completes is not None and not MIN_COMPLETES <= completes <= MAX_COMPLETES:
        fail("completes", f"must be between {MIN_COMPLETES} and {MAX_COMPLETES}")
    base = _whole(data, field("base"), 0, problems)
    if base is not None and base < 0:
        fail("base", "must be 0 or more")
    power = _number(data, field("power"), 1.0, problems)
    if power is not None and not 0 <= power <= 1:
        fail("power", "must be between 0 and 1")
    if len(problems) > before:
        return None
    if completes is None or base is None or power is None:  # (reported above)
        return None
    if base * districts > completes:
        fail("base", "the base in every district needs more than the completes")
        return None
    return DesignOption(label, method, completes, base=base, power=power)


def parse_settings(data: Mapping[str, Any]) -> tuple[int, int]:
    """``(replicates, seed)`` from the form; problems name ``replicates`` or ``seed``."""
    problems: list[dict[str, str]] = []
    replicates = _whole(data, "replicates", DEFAULT_REPLICATES, problems)
    if replicates is not None and not MIN_REPLICATES <= replicates <= MAX_REPLICATES:
        problems.append({"field": "replicates", "message": f"must be between {MIN_REPLICATES} and {MAX_REPLICATES}"})
    seed = _whole(data, "seed", 1, problems)
    if seed is not None and not 0 <= seed < 2**32:
        problems.append({"field": "seed", "message": "must be a whole number from 0 to 4294967295"})
    if problems:
        raise ValidationError(_summary(problems), details=problems)
    return int(replicates), int(seed)  # type: ignore[arg-type]


def parse_form(data: Mapping[str, Any], *, round_: Round | None = None) -> tuple[list[DesignOption], int, int]:
    """Options, replicates and seed; one error listing every problem of the form. With the ``round_`` every
    option's allocation is also tried on the round's population (at the form's seed)."""
    problems: list[dict[str, str]] = []
    options: list[DesignOption] = []
    replicates = seed = 0
    try:
        replicates, seed = parse_settings(data)
    except ValidationError as exc:
        problems += exc.details
    population = population_for(round_, seed=seed) if round_ is not None and not problems else None
    try:
        options = parse_options(data, population=population)
    except ValidationError as exc:
        problems += exc.details
    if problems:
        raise ValidationError(_summary(problems), details=problems)
    return options, replicates, seed


def _summary(problems: list[dict[str, str]]) -> str:
    return "the comparison cannot start: " + "; ".join(f"{p['field']}: {p['message']}" for p in problems)


def _whole(data: Mapping[str, Any], name: str, default: int | None, problems: list[dict[str, str]]) -> int | None:
    value = _number(data, name, default, problems)
    if value is None:
        return None
    if value != int(value):
        problems.append({"field": name, "message": f"must be a whole number, not {_text(data, name)[:20]!r}"})
        return None
    return int(value)


def _number(data: Mapping[str, Any], name: str, default: float, problems: list[dict[str, str]]) -> float | None:
    raw = _text(data, name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append({"field": name, "message": f"must be a number, not {raw[:20]!r}"})
        return None
    return value


def feasibility(population: Population, option: DesignOption) -> str | None:
    """Why the option cannot be evaluated over this population (None when it can): one replicate, no check."""
    try:
        evaluate(population, [option], replicates=1, check=0)
    except ValueError as exc:
        return str(exc)
    return None


# --- runs ---------------------------------------------------------------------------------------------

def request(round_id: int, options: list[DesignOption], *, replicates: int, seed: int, by: User | None
            ) -> SimulationRun:
    """Store a queued run and queue its job; without a queue the run is marked failed at once."""
    round_ = rounds.get_round(round_id)
    if not options or len(options) > MAX_OPTIONS:
        raise ValidationError(N_("choose between one and six options"),
                              details=[{"field": "options", "message": f"choose 1 to {MAX_OPTIONS} options"}])
    if not MIN_REPLICATES <= int(replicates) <= MAX_REPLICATES:
        raise ValidationError(N_("the number of replicates is out of range"),
                              details=[{"field": "replicates",
                                        "message": f"must be between {MIN_REPLICATES} and {MAX_REPLICATES}"}])
    population = population_for(round_, seed=seed)
    problems = [{"field": f"options-{i}-completes", "message": problem} for i, option in enumerate(options)
                if (problem := feasibility(population, option))]
    if problems:
        raise ValidationError(_summary(problems), details=problems)
    run = SimulationRun(round_id=round_.id, kind=KIND, status="queued", created_by_id=by.id if by else None,
                        settings={"options": [asdict(o) for o in options], "replicates": int(replicates),
                                  "seed": int(seed)})
    db.session.add(run)
    db.session.flush()
    run.job_id = f"design-{run.id}"
    db.session.commit()
    draws = sum(o.completes for o in options) * int(replicates)
    if queue.enqueue("workers.design.evaluate", run.id, job_id=run.job_id, retry=None,
                     timeout=max(queue.DEFAULT_TIMEOUT, int(120 + SECONDS_PER_DRAW * draws)),
                     description=f"设计评估 Compare allocations: {round_.name}") is None:
        run.status, run.message = "failed", "the job queue is not reachable"
        run.finished_at = utcnow()
        db.session.commit()
    return run


def run(run_id: int, progress: Progress | None = None) -> SimulationRun:
    """The job's body: evaluate the options one by one (each is independent of the others) and store the result."""
    report = progress or (lambda done, total, message="": None)
    record = get(run_id)
    if record.status == "done":
        return record
    try:
        return _run(record, report)
    except Exception as exc:
        db.session.rollback()
        mark_failed(run_id, f"{type(exc).__name__}: {exc}")
        raise


def _run(record: SimulationRun, report: Progress) -> SimulationRun:
    started = time.perf_counter()
    run_id = record.id
    record.status, record.message = "running", ""
    db.session.commit()
    # Read everything first and end the transaction: a job's transaction holds SQLite's write lock
    # (extensions.writing), and the simulation may take minutes.
    settings = dict(record.settings)
    options = [DesignOption(**o) for o in settings["options"]]
    replicates, seed = int(settings["replicates"]), int(settings["seed"])
    population = population_for(rounds.get_round(record.round_id), seed=seed)
    weights = indicator_weights(list(population.indicators))
    names_en = dict(db.session.execute(select(Region.code, Region.name_en)
                                       .where(Region.code.in_(population.districts))).all())
    db.session.commit()
    report(0, len(options), "preparing")
    results = []
    for done, option in enumerate(options):
        report(done, len(options), option.label)
        results.extend(evaluate(population, [option], replicates=replicates, seed=seed,
                                indicator_weights=weights))
    result = _finite({
        "options": [e.to_dict() for e in results],
        "districts": {u.code: u.name_zh for u in population.units},
        "districts_en": {u.code: names_en.get(u.code, u.name_zh) for u in population.units},
        "seconds": round(time.perf_counter() - started, 3),
    })
    record = get(run_id)
    record.result, record.status, record.finished_at = result, "done", utcnow()
    db.session.commit()
    report(len(options), len(options), "done")
    return record


def _finite(value: Any) -> Any:
    """The result as strict JSON: NaN and infinities (an indicator nobody answered) become None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def mark_failed(run_id: int, message: str) -> None:
    record = db.session.get(SimulationRun, run_id)
    if record is not None and record.status in ("queued", "running"):
        record.status, record.message, record.finished_at = "failed", message[:500], utcnow()
        db.session.commit()


def get(run_id: int) -> SimulationRun:
    record = db.session.get(SimulationRun, run_id)
    if record is None or record.kind != KIND:
        raise NotFound(N_("no such design evaluation"))
    return record


def latest(round_id: int) -> SimulationRun | None:
    """The round's newest design evaluation, whatever its status."""
    return db.session.scalar(select(SimulationRun).where(SimulationRun.round_id == round_id,
                                                         SimulationRun.kind == KIND)
                             .order_by(SimulationRun.id.desc()).limit(1))


def recent(round_id: int, limit: int = 10) -> list[SimulationRun]:
    return list(db.session.scalars(select(SimulationRun).where(SimulationRun.round_id == round_id,
                                                               SimulationRun.kind == KIND)
                                   .order_by(SimulationRun.id.desc()).limit(limit)))
