"""Design evaluation (pure, no DB): what an allocation buys in precision, coverage, dials and caller-hours.

For each :class:`DesignOption` the completes are allocated over the districts with
:func:`survey.sampling.allocate`, then ``replicates`` rounds are simulated and estimated as a report would:

- **Answers** come from the population's own answer model (:meth:`Population.answer`), vectorised: each
  respondent's urban/rural × age cell by its population share in the district, a person effect shared by
  all indicators, item noise, the cut points, and "don't know" per district × indicator. Independent
  categorical draws per indicator would give the same marginal shares but drop the person effect, which
  correlates the 12 indicators (latent ρ = 0.35) and roughly doubles the composite's standard error;
  the evaluation would then promise intervals about half as wide as a real round gets.
- Respondents are a random sample of the district's adults (nonresponse ignorable within a district).
  ``nonresponse=True`` draws them as the fieldwork simulator does instead (cell share × response
  propensity: older and rural people answer more often), which the N_h/n_h weights cannot correct:
  the coverage then shows what that bias costs.
- **Weights** N_h/n_h and fpc N_h, one stratum per district (:mod:`survey.reports.weights`). Estimates are
  the stratified ratio means with linearised variances of :mod:`survey.stats`, in a closed form over all
  replicates at once (:func:`closed_form_estimates`); the first ``check`` replicates of every option also go
  through ``Design`` + ``estimate_round`` and must agree (:func:`stats_estimates`).
- **Truth** (the estimand): a district's score is :meth:`Population.true_scores` — the expected score among
  valid (non-DK) answers of its adults. The city's is what the weighted ratio mean converges to: districts
  mixed by their *valid* answers, Σ_h N_h (1 − dk_hj) S_hj / Σ_h N_h (1 − dk_hj), since DK is excluded per
  indicator. The composite is Σ_j v_j S_j of those.
- **Dials** per complete = 1 / P(complete per dial) over the district's adults
  (:meth:`Population.outcome_probabilities`; ~3.1 city-wide, as DOMAIN.md's "about 3 dials per complete").
- **Minutes** from the caller model's mean durations (:mod:`.callers`): a non-complete dial rings, talks
  for its outcome (the non-complete outcome mix) and takes notes: ~1.26 min; a complete rings, introduces,
  asks S1, S2, the 12 ratings, a "why?" per low rating, the closing two questions at an honest caller's pace
  (SECONDS_NEEDED × 1.5), says goodbye and takes notes: ~4.3–4.4 min (DOMAIN.md: interviews take 3–6 minutes).
  Breaks, training and supervision are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ..errors import ValidationError
from ..fieldwork.processing import SECONDS_NEEDED
from ..sampling import METHODS, allocate
from ..sampling.frame_rows import AGE_BANDS
from ..stats import Design
from ..stats.rounds import ALL, estimate_round
from .callers import GOODBYE, INTRO, NOTES, RING, TALK, Caller
from .population import AGE_SHARES, CUTS, ITEM_SD, OUTCOMES, PERSON_SD, SCORES, Population, Respondent

CITY = "city"
WORST_FIRST = SCORES[::-1].copy()  # level 0 (below every cut) … 4 (above every cut)
CHUNK_CELLS = 3_000_000  # answers drawn at once (replicates × respondents × indicators): ~24 MB per array
CHECK_TOLERANCE = 1e-6  # closed form vs survey.stats; they agree to ~1e-12 in practice


@dataclass(frozen=True)
class DesignOption:
    """One allocation to compare: ``completes`` over the districts, ``base`` each first, the rest by ``method``."""

    label: str
    method: str  # "proportional" | "equal" | "neyman" | "power" (as survey.sampling.allocate)
    completes: int
    base: int = 0
    power: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"option {self.label!r}: unknown allocation method {self.method!r}; "
                             f"use one of {', '.join(METHODS)}")
        if int(self.completes) != self.completes or self.completes < 1:
            raise ValueError(f"option {self.label!r}: completes must be a whole number ≥ 1, not {self.completes}")
        if int(self.base) != self.base or self.base < 0:
            raise ValueError(f"option {self.label!r}: base must be a whole number ≥ 0, not {self.base}")
        if not 0 <= self.power <= 1:
            raise ValueError(f"option {self.label!r}: power must be between 0 and 1, not {self.power}")


@dataclass(frozen=True)
class DomainResult:
    """One domain (the city or a district) under one option, averaged over the replicates."""

    domain: str
    completes: int
    composite_true: float
    composite_half_width: float  # mean CI half-width over replicates
    composite_coverage: float  # share of replicates whose CI covers the true composite
    composite_bias: float  # mean estimate − truth
    score_half_widths: tuple[float, ...]  # per indicator
    score_coverages: tuple[float, ...]  # per indicator
    dials: float
    caller_hours: float

    @property
    def score_half_width(self) -> float:
        return float(np.mean(self.score_half_widths))

    @property
    def score_coverage(self) -> float:
        return float(np.mean(self.score_coverages))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score_half_widths"] = list(self.score_half_widths)
        data["score_coverages"] = list(self.score_coverages)
        return {**data, "score_half_width": self.score_half_width, "score_coverage": self.score_coverage}


@dataclass(frozen=True)
class Evaluation:
    option: DesignOption
    allocation: dict[str, int]  # completes per district
    indicators: tuple[str, ...]
    replicates: int
    level: float
    coverage_mc_se: float  # Monte Carlo SE of a coverage share at the nominal level
    city: DomainResult
    districts: tuple[DomainResult, ...]
    minutes_per_noncomplete_dial: float
    minutes_per_complete: float  # city average (each district's depends on its low ratings)
    checked_replicates: int  # replicates also estimated with survey.stats
    check_max_difference: float  # largest |closed form − survey.stats| over values and CI bounds

    @property
    def dials(self) -> float:
        return self.city.dials

    @property
    def caller_hours(self) -> float:
        return self.city.caller_hours

    def district(self, code: str) -> DomainResult:
        return next(d for d in self.districts if d.domain == code)

    def to_dict(self) -> dict[str, Any]:
        return {"option": asdict(self.option), "allocation": dict(self.allocation),
                "indicators": list(self.indicators), "replicates": self.replicates, "level": self.level,
                "coverage_mc_se": self.coverage_mc_se, "dials": self.dials, "caller_hours": self.caller_hours,
                "city": self.city.to_dict(), "districts": [d.to_dict() for d in self.districts],
                "minutes_per_noncomplete_dial": self.minutes_per_noncomplete_dial,
                "minutes_per_complete": self.minutes_per_complete, "checked_replicates": self.checked_replicates,
                "check_max_difference": self.check_max_difference}


@dataclass(frozen=True)
class Estimates:
    """Estimates of B replicates: values and standard errors, districts in population order."""

    district_scores: np.ndarray  # B × H × k
    district_scores_se: np.ndarray
    district_composite: np.ndarray  # B × H
    district_composite_se: np.ndarray
    city_scores: np.ndarray  # B × k
    city_scores_se: np.ndarray
    city_composite: np.ndarray  # B
    city_composite_se: np.ndarray


# --- the round's answers ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Model:
    """What drawing a district's answers needs, precomputed once per population."""

    cell_mu: np.ndarray  # H × cells × k: latent means of each urban/rural × age cell
    cell_p: np.ndarray  # H × cells: a respondent's chance of being in each cell
    dont_know: np.ndarray  # H × k


def _model(population: Population, nonresponse: bool) -> _Model:
    cells = [(urban, band) for urban in (True, False) for band in AGE_BANDS]
    mu, p = [], []
    for unit in population.units:
        people = [Respondent(unit.code, urban, band) for urban, band in cells]
        mu.append([population.cell_latent(r) for r in people])
        share = np.array([(unit.urban_share if r.urban else 1 - unit.urban_share) * AGE_SHARES[r.age_band]
                          for r in people])
        if nonresponse:  # completes come from the people who answer more often
            share = share * np.array([population.response_propensity(r) for r in people])
        p.append(share / share.sum())
    return _Model(np.array(mu), np.array(p), np.minimum(1.0, population.dont_know))


def _draw(model: _Model, h: int, n: int, batch: int, rng: np.random.Generator) -> np.ndarray:
    """Scores (batch × n × k, NaN = don't know) of ``n`` respondents of district ``h`` in ``batch`` replicates."""
    k = model.cell_mu.shape[2]
    cell = rng.choice(model.cell_p.shape[1], size=(batch, n), p=model.cell_p[h])
    latent = rng.standard_normal((batch, n, k))
    latent *= ITEM_SD
    latent += rng.standard_normal((batch, n, 1)) * PERSON_SD
    latent += model.cell_mu[h][cell]
    level = np.zeros(latent.shape, dtype=np.int8)
    for cut in CUTS:  # as np.searchsorted(CUTS, latent): the number of cuts below
        level += latent > cut
    scores = WORST_FIRST.take(level)
    # Single-precision uniforms are plenty for a DK share and take half the time to draw.
    scores[rng.random((batch, n, k), dtype=np.float32) < model.dont_know[h]] = np.nan
    return scores


def draw_answers(population: Population, allocation: Sequence[int], replicates: int, *, seed: int = 1,
                 nonresponse: bool = False) -> list[np.ndarray]:
    """Scores (replicates × n_h × k, NaN = don't know) per district; the streams :func:`evaluate` uses."""
    model = _model(population, nonresponse)
    return [_draw(model, h, n, replicates, rng) for h, (n, rng) in enumerate(zip(allocation, _rngs(population, seed),
                                                                                   strict=True))]


def _rngs(population: Population, seed: int) -> list[np.random.Generator]:
    # One stream per district and round: an option's draws do not depend on the other options.
    return [np.random.default_rng([seed, population.round_no, h]) for h in range(len(population.units))]


# --- estimation ------------------------------------------------------------------------------------------

def closed_form_estimates(answers: Sequence[np.ndarray], populations: Sequence[float],
                          indicator_weights: np.ndarray) -> Estimates:
    """Stratified ratio means (one stratum per district, weights N_h/n_h, fpc N_h) of B replicates at once.

    ``answers[h]`` is B × n_h × k (NaN = don't know). The same linearisation as :class:`survey.stats.Design`:
    influence values z = w (y − R)/Σw on valid answers, 0 on DK; Var = Σ_h (1 − f_h) n_h/(n_h − 1) Σ (z − z̄_h)².
    In a district (its own stratum) that is the SRS variance of its ratio mean; the city's combines districts.
    The composite uses z = Σ_j v_j z_j, so its variance carries the indicators' covariances.
    """
    v = np.asarray(indicator_weights, dtype=float)
    H = len(answers)
    B, _, k = answers[0].shape
    sizes = np.array([a.shape[1] for a in answers], dtype=float)
    N = np.asarray(populations, dtype=float)
    factor = (1 - sizes / N) * sizes / (sizes - 1)
    w = N / sizes
    valid = [~np.isnan(a) for a in answers]
    filled = [np.where(ok, a, 0.0) for a, ok in zip(answers, valid, strict=True)]
    m = np.stack([ok.sum(axis=1) for ok in valid], axis=1).astype(float)  # B × H × k valid answers
    sums = np.stack([f.sum(axis=1) for f in filled], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_scores = sums / m
        city_w = (w[None, :, None] * m).sum(axis=1)  # B × k: Σ w over valid answers
        c_scores = (w[None, :, None] * sums).sum(axis=1) / city_w
    d_var = np.empty((B, H, k))
    d_cvar = np.empty((B, H))
    c_var = np.zeros((B, k))
    c_cvar = np.zeros(B)
    for h in range(H):
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(valid[h], answers[h] - d_scores[:, h, None, :], 0.0) / m[:, h, None, :]
            zc = np.where(valid[h], answers[h] - c_scores[:, None, :], 0.0) * (w[h] / city_w[:, None, :])
        z[~np.isfinite(z)] = 0.0  # an indicator nobody answered: NaN estimate and SE, no influence
        zc[~np.isfinite(zc)] = 0.0
        d_var[:, h] = factor[h] * _spread(z)
        c_var += factor[h] * _spread(zc)
        d_cvar[:, h] = factor[h] * _spread(z @ v)
        c_cvar += factor[h] * _spread(zc @ v)
    d_var[m == 0] = np.nan  # as survey.stats: no valid answer, no variance
    d_cvar[np.isnan(d_scores @ v)] = np.nan
    c_var[np.isnan(c_scores)] = np.nan
    return Estimates(d_scores, np.sqrt(d_var), d_scores @ v, np.sqrt(d_cvar), c_scores, np.sqrt(c_var),
                     c_scores @ v, np.sqrt(c_cvar))


def _spread(z: np.ndarray) -> np.ndarray:
    """Σ (z − z̄)² over the respondents (axis 1) of each replicate."""
    return (z * z).sum(axis=1) - z.sum(axis=1) ** 2 / z.shape[1]


def stats_estimates(answers: Sequence[np.ndarray], populations: Sequence[float], indicator_weights: np.ndarray,
                    replicate: int = 0, *, level: float = 0.95) -> tuple[Estimates, np.ndarray]:
    """One replicate estimated by ``Design`` + ``estimate_round``, as a report does; also the CI bounds.

    Returns the estimates (B = 1) and the CI bounds (2 × (H·k + H + k + 1), in the order of :func:`_flat`).
    """
    H = len(answers)
    rows = [a[replicate] for a in answers]
    sizes = np.array([r.shape[0] for r in rows])
    N = np.asarray(populations, dtype=float)
    district = np.repeat(np.arange(H), sizes)
    scores = np.concatenate(rows)
    satisfied = np.where(np.isnan(scores), np.nan, scores >= 80)
    design = Design(district, (N / sizes)[district], N[district])
    with np.errstate(divide="ignore", invalid="ignore"):  # an indicator nobody answered in a district: NaN
        out = estimate_round(design, scores, satisfied, indicator_weights, district, level=level)
    by = [out[h] for h in range(H)]

    def pick(attr: str, what: str) -> Any:
        if what == "composite":
            return [getattr(d.composite, attr) for d in by], getattr(out[ALL].composite, attr)
        return [[getattr(e, attr) for e in d.scores] for d in by], [getattr(e, attr) for e in out[ALL].scores]

    (ds, cs), (dse, cse) = pick("value", "scores"), pick("se", "scores")
    (dc, cc), (dcse, ccse) = pick("value", "composite"), pick("se", "composite")
    estimates = Estimates(np.array([ds]), np.array([dse]), np.array([dc]), np.array([dcse]), np.array([cs]),
                          np.array([cse]), np.array([cc]), np.array([ccse]))
    low = _flat(*pick("ci_low", "scores"), *pick("ci_low", "composite"))
    high = _flat(*pick("ci_high", "scores"), *pick("ci_high", "composite"))
    return estimates, np.array([low, high])


def _flat(district_scores: Any, city_scores: Any, district_composite: Any, city_composite: Any) -> np.ndarray:
    return np.concatenate([np.ravel(district_scores), np.ravel(city_scores), np.ravel(district_composite),
                           np.ravel(city_composite)])


def _bounds(e: Estimates, b: int, q: float) -> np.ndarray:
    values = _flat(e.district_scores[b], e.city_scores[b], e.district_composite[b], e.city_composite[b])
    se = _flat(e.district_scores_se[b], e.city_scores_se[b], e.district_composite_se[b], e.city_composite_se[b])
    return np.array([values - q * se, values + q * se])


# --- truth, dials, minutes -------------------------------------------------------------------------------

def true_values(population: Population, indicator_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True scores (H + 1) × k and composites (H + 1): districts in order, then the city (see the docstring)."""
    scores = population.probabilities() @ SCORES
    answering = np.array([u.population for u in population.units], dtype=float)[:, None] * \
        (1 - np.minimum(1.0, population.dont_know))
    city = (answering * scores).sum(axis=0) / answering.sum(axis=0)
    grid = np.vstack([scores, city])
    return grid, grid @ indicator_weights


def noncomplete_dial_minutes() -> float:
    """Mean minutes of a dial that does not end in a complete: ring, talk by outcome, notes (callers.py)."""
    other = {o: p for o, p in OUTCOMES.items() if o != "complete"}
    talk = sum(p * np.mean(TALK[o]) for o, p in other.items()) / sum(other.values())
    return float((np.mean(RING) + talk + np.mean(NOTES)) / 60)


def complete_minutes(population: Population) -> np.ndarray:
    """Mean minutes of a complete per district: the questions at an honest caller's pace plus the talk around."""
    low = (population.probabilities()[..., 3:].sum(axis=-1) * (1 - np.minimum(1.0, population.dont_know))).sum(axis=1)
    needed = (SECONDS_NEEDED["number"] + SECONDS_NEEDED["single"] + len(population.indicators) * SECONDS_NEEDED["scale"]
              + SECONDS_NEEDED["text"] + SECONDS_NEEDED["single"] + low * SECONDS_NEEDED["text"])
    talk = np.mean(RING) + np.mean(INTRO) + np.mean(GOODBYE) + np.mean(NOTES)
    return (talk + Caller(0).speed * needed) / 60


def complete_probability(population: Population) -> np.ndarray:
    """P(a dial ends in a complete) per district: the dialled person is any adult of the district."""
    out = []
    for unit in population.units:
        total = 0.0
        for urban in (True, False):
            for band in AGE_BANDS:
                share = (unit.urban_share if urban else 1 - unit.urban_share) * AGE_SHARES[band]
                total += share * population.outcome_probabilities(Respondent(unit.code, urban, band))["complete"]
        out.append(total)
    return np.array(out)


# --- the evaluation ----------------------------------------------------------------------------------------

def _allocation(population: Population, option: DesignOption) -> list[int]:
    sizes = [u.population for u in population.units]
    # Neyman/power need S_h: √(p(1−p)) of the district's mean satisfaction rate, as sampling.design.plan does
    # with a prior round's p — here the population's true rates.
    rates = np.array(list(population.true_rates().values())).reshape(len(sizes), -1).mean(axis=1)
    sd = np.sqrt(rates * (1 - rates)).tolist() if option.method in ("neyman", "power") else None
    try:
        allocation = allocate(sizes, option.completes, option.method, sd=sd, power=option.power, base=option.base)
    except ValidationError as error:
        raise ValueError(f"option {option.label!r}: {error.message}") from error
    if min(allocation) < 2:
        raise ValueError(f"option {option.label!r} gives a district fewer than 2 completes ({allocation}): "
                         "its variance cannot be estimated")
    return allocation


def evaluate(population: Population, options: Sequence[DesignOption], *, replicates: int = 1000, seed: int = 1,
             round_no: int = 1, level: float = 0.95, indicator_weights: Sequence[float] | None = None,
             nonresponse: bool = False, check: int = 2) -> list[Evaluation]:
    """Simulate ``replicates`` rounds of each option and summarise precision, coverage, dials and hours.

    The same seed gives the same result, and an option's result does not depend on the other options.
    ``check`` replicates of each option are also estimated with survey.stats; a disagreement raises.
    """
    if int(replicates) != replicates or replicates < 1:
        raise ValueError(f"replicates must be a whole number ≥ 1, not {replicates}")
    if not 0 < level < 1:
        raise ValueError(f"the confidence level must be between 0 and 1, not {level}")
    for option in options:
        if not isinstance(option, DesignOption):
            raise ValueError(f"options must be DesignOption, not {type(option).__name__}")
    population = population.drift(round_no)
    k = len(population.indicators)
    v = np.full(k, 1 / k) if indicator_weights is None else np.asarray(indicator_weights, dtype=float)
    if v.shape != (k,) or np.any(v < 0) or abs(v.sum() - 1) > 1e-9:
        raise ValueError(f"indicator_weights must be {k} non-negative numbers adding up to 1")
    model = _model(population, nonresponse)
    truth, true_composite = true_values(population, v)
    p_complete = complete_probability(population)
    dial_minutes, interview_minutes = noncomplete_dial_minutes(), complete_minutes(population)
    allocations = [_allocation(population, option) for option in options]  # every option checked before work
    return [_evaluate(population, option, allocation, model, v, truth, true_composite, p_complete, dial_minutes,
                      interview_minutes, replicates, seed, level, check)
            for option, allocation in zip(options, allocations, strict=True)]


def _evaluate(population: Population, option: DesignOption, allocation: list[int], model: _Model, v: np.ndarray,
              truth: np.ndarray, true_composite: np.ndarray, p_complete: np.ndarray, dial_minutes: float,
              interview_minutes: np.ndarray, replicates: int, seed: int, level: float, check: int) -> Evaluation:
    H, k = len(allocation), len(v)
    N = [u.population for u in population.units]
    q = float(sps.norm.ppf(1 - (1 - level) / 2))
    rngs = _rngs(population, seed)
    batch = int(np.clip(CHUNK_CELLS // (max(allocation) * k), 1, replicates))
    # Running sums over replicates: half-widths, covered, estimates — domains = districts then the city.
    width = np.zeros((H + 1, k))
    covered = np.zeros((H + 1, k))
    c_width, c_covered, c_sum = np.zeros(H + 1), np.zeros(H + 1), np.zeros(H + 1)
    checked, worst = 0, 0.0
    done = 0
    while done < replicates:
        b = min(batch, replicates - done)
        answers = [_draw(model, h, n, b, rng) for h, (n, rng) in enumerate(zip(allocation, rngs, strict=True))]
        e = closed_form_estimates(answers, N, v)
        while checked < min(check, replicates) and checked - done < b:
            _, reference = stats_estimates(answers, N, v, checked - done, level=level)
            difference = float(np.nanmax(np.abs(_bounds(e, checked - done, q) - reference)))
            if not difference <= CHECK_TOLERANCE:
                raise RuntimeError(f"option {option.label!r}: the closed form differs from survey.stats by "
                                   f"{difference} on replicate {checked}")
            worst = max(worst, difference)
            checked += 1
        scores = np.concatenate([e.district_scores, e.city_scores[:, None]], axis=1)  # b × (H + 1) × k
        se = np.concatenate([e.district_scores_se, e.city_scores_se[:, None]], axis=1)
        composite = np.concatenate([e.district_composite, e.city_composite[:, None]], axis=1)
        composite_se = np.concatenate([e.district_composite_se, e.city_composite_se[:, None]], axis=1)
        width += (q * se).sum(axis=0)
        covered += (np.abs(scores - truth) <= q * se).sum(axis=0)  # NaN (nobody answered) counts as a miss
        c_width += (q * composite_se).sum(axis=0)
        c_covered += (np.abs(composite - true_composite) <= q * composite_se).sum(axis=0)
        c_sum += composite.sum(axis=0)
        done += b
    n = np.array([*allocation, sum(allocation)])
    dials = np.array(allocation) / p_complete
    hours = ((dials - allocation) * dial_minutes + np.array(allocation) * interview_minutes) / 60
    dials, hours = np.append(dials, dials.sum()), np.append(hours, hours.sum())
    names = [*population.districts, CITY]
    results = [DomainResult(names[d], int(n[d]), float(true_composite[d]), float(c_width[d] / replicates),
                            float(c_covered[d] / replicates), float(c_sum[d] / replicates - true_composite[d]),
                            tuple((width[d] / replicates).tolist()), tuple((covered[d] / replicates).tolist()),
                            float(dials[d]), float(hours[d]))
               for d in range(H + 1)]
    return Evaluation(option, dict(zip(population.districts, allocation, strict=True)), population.indicators,
                      replicates, level, float(np.sqrt(level * (1 - level) / replicates)), results[-1],
                      tuple(results[:-1]), dial_minutes,
                      float(np.average(interview_minutes, weights=allocation)), checked, worst)
