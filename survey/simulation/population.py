"""A synthetic population of the demo city (pure, deterministic for a seed): what people think and do.

- Satisfaction: an ordered-probit model. A respondent's latent view of indicator j is
  μ_dj + a_band + b_urban,j + u + e with a person effect u ~ N(0, 0.35) shared by all indicators
  (people who are content are content with most things) and e ~ N(0, 0.65), so the latent is N(μ, 1)
  within a cell; fixed cut points turn it into 不满意 … 满意. μ = city level + district effect +
  indicator effect + a seeded district × indicator interaction; scores land in the 70s–80s, as
  published county scores do. Each indicator has its own "don't know" probability (schooling is
  high: many people have no child at school), higher in more rural units.
- Rounds: ``drift(round_no)`` adds seeded random-walk steps, so round 2 differs from round 1 in
  every district × indicator and a little more in some districts than others.
- Truth: ``true_scores()`` is the expected score (100/80/60/40/0, DK excluded) of the whole adult
  population of each district — urban/rural and age cells mixed by their population shares — the
  target a weighted estimate's confidence interval should cover.
- Fieldwork: per-dial outcome shares from DOMAIN.md "Fieldwork" (complete 32%, refusal 22%, …),
  read per dial so that a complete takes about 3 dials; the complete share moves with a response
  propensity by age band, urban/rural and district (older and rural people answer more often).
  Because both satisfaction and propensity depend on age, unweighted estimates carry a small
  nonresponse bias that weighting by age removes — something real for the weighting to do.
- Complaints: the probability of giving a reason after a low rating rises with dissatisfaction;
  about 22% of respondents raise at least one complaint (DOMAIN.md: 2,324 of 10,400).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from scipy import stats as sps

from ..sampling.frame_rows import AGE_BANDS
from .complaints import complaint_text
from .frame import _AGE_P, _AGES, Unit

DEMO_UNITS = (
    Unit("chengzhong", "城中区", 800_000, 0.90),
    Unit("chengnan", "城南区", 1_050_000, 0.66),
    Unit("hedong", "河东市", 1_310_000, 0.55),
    Unit("wenyang", "汶阳市", 970_000, 0.55),
    Unit("qingping", "清平县", 670_000, 0.51),
    Unit("huxi", "湖西县", 670_000, 0.48),
)
INDICATORS = ("public_security", "healthcare", "schooling", "environment", "jobs_income", "social_security",
              "transport", "gov_services", "food_drug", "housing", "culture_sport", "officials_conduct")
SCALE = ("satisfied", "fairly_satisfied", "neutral", "fairly_dissatisfied", "dissatisfied")  # read aloud, best first
SCORES = np.array([100.0, 80.0, 60.0, 40.0, 0.0])
SATISFIED = ("satisfied", "fairly_satisfied")
DONT_KNOW = "dont_know"
LOW = ("fairly_dissatisfied", "dissatisfied")  # the ratings followed by "why?"

# Latent cut points, worst to best: at μ = 0 the shares are 46/34/12/4/4% and the score is 82.
CUTS = np.array([-1.75, -1.40, -0.85, 0.10])
PERSON_SD, ITEM_SD = np.sqrt(0.35), np.sqrt(0.65)
CITY_LEVEL = 0.1  # city mean score ≈ 82: published county scores land in the 80s
DISTRICT_EFFECT = {"chengzhong": 0.15, "chengnan": 0.05, "hedong": 0.0, "wenyang": -0.05, "qingping": -0.20,
                   "huxi": -0.10}
INDICATOR_EFFECT = {"public_security": 0.35, "healthcare": -0.15, "schooling": 0.0, "environment": -0.05,
                    "jobs_income": -0.35, "social_security": -0.05, "transport": -0.20, "gov_services": 0.15,
                    "food_drug": 0.10, "housing": -0.25, "culture_sport": 0.10, "officials_conduct": 0.0}
INTERACTION_SD = 0.15
AGE_EFFECT = {"18-29": -0.08, "30-44": -0.04, "45-59": 0.03, "60+": 0.10}
# Rural people are a little more content overall but less with services that are thinner there.
RURAL_EFFECT = {code: 0.08 for code in INDICATORS} | {"healthcare": -0.12, "schooling": -0.10, "transport": -0.15}
DONT_KNOW_BASE = {"public_security": 0.02, "healthcare": 0.03, "schooling": 0.15, "environment": 0.02,
                  "jobs_income": 0.04, "social_security": 0.08, "transport": 0.02, "gov_services": 0.10,
                  "food_drug": 0.05, "housing": 0.03, "culture_sport": 0.06, "officials_conduct": 0.10}
DRIFT_CELL_SD, DRIFT_DISTRICT_SD = 0.12, 0.06

# Outcome shares per dial (DOMAIN.md "Fieldwork"); "no_answer" includes phone off.
OUTCOMES = {"complete": 0.32, "refusal": 0.22, "no_answer": 0.26, "invalid": 0.10, "ineligible": 0.05,
            "break_off": 0.03, "appointment": 0.02}
CONTACT_OUTCOMES = ("complete", "refusal", "ineligible", "break_off", "appointment")  # someone answered
AGE_PROPENSITY = {"18-29": 0.80, "30-44": 0.95, "45-59": 1.10, "60+": 1.20}
URBAN_PROPENSITY = {True: 0.95, False: 1.07}
DISTRICT_PROPENSITY = {"chengzhong": 0.92, "chengnan": 0.97, "hedong": 1.0, "wenyang": 1.02, "qingping": 1.06,
                       "huxi": 1.05}
# Probability of giving a reason (a complaint) after each low rating, and of a complaint at the closing
# "anything to fix?" question (more likely the more indicators were rated low).
WHY_COMPLAINT = {"fairly_dissatisfied": 0.15, "dissatisfied": 0.30}
OPEN_COMPLAINT_BASE, OPEN_COMPLAINT_PER_LOW = 0.035, 0.015


def _age_band_shares() -> dict[str, float]:
    bands = np.where(_AGES < 30, 0, np.where(_AGES < 45, 1, np.where(_AGES < 60, 2, 3)))
    return {band: float(_AGE_P[bands == i].sum()) for i, band in enumerate(AGE_BANDS)}


AGE_SHARES = _age_band_shares()
_BAND_CDF = np.cumsum(list(AGE_SHARES.values()))[:-1]


@dataclass(frozen=True)
class Respondent:
    district: str
    urban: bool
    age_band: str

    @property
    def stratum(self) -> str:
        return f"{self.district}|{'urban' if self.urban else 'rural'}"


@dataclass(frozen=True, eq=False)
class Population:
    """One round's population: ``latent`` μ and ``dont_know`` probabilities, districts × indicators."""

    units: tuple[Unit, ...]
    indicators: tuple[str, ...]
    base: np.ndarray  # μ in round 1
    dont_know: np.ndarray
    seed: int
    round_no: int = 1

    @property
    def districts(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)

    @cached_property  # (frozen dataclasses allow it: the cache bypasses __setattr__)
    def latent(self) -> np.ndarray:
        """μ this round: round 1's plus the drift steps of rounds 2 … round_no."""
        mu = self.base.copy()
        for step in range(2, self.round_no + 1):
            rng = np.random.default_rng([self.seed, step, 1])
            mu += rng.normal(0, DRIFT_DISTRICT_SD, (len(self.units), 1)) + rng.normal(0, DRIFT_CELL_SD, mu.shape)
        return mu

    def drift(self, round_no: int) -> Population:
        """The same population in round ``round_no`` (1 is the first)."""
        if round_no < 1:
            raise ValueError("round_no starts at 1")
        return replace(self, round_no=round_no)

    # --- satisfaction -------------------------------------------------------------------------------
    def cell_latent(self, respondent: Respondent) -> np.ndarray:
        """μ per indicator for a respondent's district, urban/rural and age band."""
        d = self.districts.index(respondent.district)
        rural = 0.0 if respondent.urban else 1.0
        shift = np.array([rural * RURAL_EFFECT.get(j, 0.0) for j in self.indicators]) + AGE_EFFECT[respondent.age_band]
        return self.latent[d] + shift

    def probabilities(self) -> np.ndarray:
        """Population shares of 满意 … 不满意 (DK excluded), districts × indicators × 5, cells mixed by population."""
        out = np.zeros((len(self.units), len(self.indicators), len(SCALE)))
        for unit in self.units:
            for urban, urban_share in ((True, unit.urban_share), (False, 1 - unit.urban_share)):
                for band, band_share in AGE_SHARES.items():
                    mu = self.cell_latent(Respondent(unit.code, urban, band))
                    out[self.districts.index(unit.code)] += urban_share * band_share * _shares(mu)
        return out

    def true_scores(self) -> dict[tuple[str, str], float]:
        """Expected score (DK excluded) per (district, indicator)."""
        return self._by_cell(self.probabilities() @ SCORES)

    def true_rates(self) -> dict[tuple[str, str], float]:
        """Expected satisfaction rate (满意 + 比较满意 among valid answers) per (district, indicator)."""
        return self._by_cell(self.probabilities()[..., :2].sum(axis=-1))

    def _by_cell(self, grid: np.ndarray) -> dict[tuple[str, str], float]:
        return {(d, j): float(grid[a, b]) for a, d in enumerate(self.districts) for b, j in enumerate(self.indicators)}

    def answer(self, respondent: Respondent, rng: np.random.Generator, *, dk_tendency: float = 1.0
               ) -> dict[str, str | None]:
        """One respondent's rating of every indicator: an option code, or None for "don't know"."""
        mu = self.cell_latent(respondent)
        latent = mu + rng.normal(0, PERSON_SD) + rng.normal(0, ITEM_SD, len(mu))
        level = np.searchsorted(CUTS, latent)  # 0 = worst … 4 = best
        dk = rng.random(len(mu)) < np.minimum(1.0, self.dont_know[self.districts.index(respondent.district)]
                                              * dk_tendency)
        return {j: None if dk[i] else SCALE[4 - int(level[i])] for i, j in enumerate(self.indicators)}

    # --- complaints ---------------------------------------------------------------------------------
    def complaints(self, respondent: Respondent, ratings: Mapping[str, str | None], rng: np.random.Generator
                   ) -> list[tuple[str | None, str]]:
        """(indicator or None for the closing question, text) for each complaint this respondent raises."""
        out: list[tuple[str | None, str]] = []
        low = [j for j in self.indicators if ratings.get(j) in LOW]
        for j in low:
            if rng.random() < WHY_COMPLAINT[ratings[j]]:
                out.append((j, complaint_text(j, respondent.district, rng)))
        if rng.random() < OPEN_COMPLAINT_BASE + OPEN_COMPLAINT_PER_LOW * len(low):
            pool = low or self.indicators  # the closing complaint is about what they rated low, if anything
            about = pool[int(rng.integers(len(pool)))]
            out.append((None, complaint_text(about, respondent.district, rng)))
        return out

    # --- fieldwork ----------------------------------------------------------------------------------
    def response_propensity(self, respondent: Respondent) -> float:
        """Relative chance that a dial to this person ends in a complete (population average 1)."""
        raw = (AGE_PROPENSITY[respondent.age_band] * URBAN_PROPENSITY[respondent.urban]
               * DISTRICT_PROPENSITY.get(respondent.district, 1.0))
        return raw / self._mean_propensity

    def outcome_probabilities(self, respondent: Respondent) -> dict[str, float]:
        """Per-dial outcome shares for this person: the complete share scaled by the propensity."""
        complete = min(0.9, OUTCOMES["complete"] * self.response_propensity(respondent))
        rest = (1 - complete) / (1 - OUTCOMES["complete"])
        return {k: complete if k == "complete" else v * rest for k, v in OUTCOMES.items()}

    def draw_person(self, rng: np.random.Generator) -> Respondent:
        """The owner of a dialled number: district by population, then urban/rural and age band."""
        unit_u, urban_u, band_u = rng.random(3)
        unit = self.units[int(np.searchsorted(self._unit_cdf, unit_u, side="right"))]
        band = AGE_BANDS[int(np.searchsorted(_BAND_CDF, band_u, side="right"))]
        return Respondent(unit.code, bool(urban_u < unit.urban_share), band)

    @cached_property
    def _unit_cdf(self) -> np.ndarray:
        weights = np.cumsum([u.population for u in self.units], dtype=float)
        return weights[:-1] / weights[-1]  # the last unit takes the rest (no rounding overshoot)

    def draw_respondents(self, n: int, rng: np.random.Generator) -> list[Respondent]:
        """``n`` completed respondents: population composition × response propensity."""
        cells = [Respondent(u.code, urban, band) for u in self.units for urban in (True, False) for band in AGE_BANDS]
        weights = np.array([self._cell_share(c) * self.response_propensity(c) for c in cells])
        picks = rng.choice(len(cells), size=n, p=weights / weights.sum())
        return [cells[int(i)] for i in picks]

    def _cell_share(self, cell: Respondent) -> float:
        unit = self.units[self.districts.index(cell.district)]
        total = sum(u.population for u in self.units)
        urban = unit.urban_share if cell.urban else 1 - unit.urban_share
        return unit.population / total * urban * AGE_SHARES[cell.age_band]

    @cached_property
    def _mean_propensity(self) -> float:
        total = 0.0
        for u in self.units:
            for urban in (True, False):
                for band in AGE_BANDS:
                    cell = Respondent(u.code, urban, band)
                    total += self._cell_share(cell) * (AGE_PROPENSITY[band] * URBAN_PROPENSITY[urban]
                                                       * DISTRICT_PROPENSITY.get(u.code, 1.0))
        return total


def _shares(mu: np.ndarray) -> np.ndarray:
    """P(满意 … 不满意) per indicator for latent means ``mu`` (latent ~ N(μ, 1))."""
    below = sps.norm.cdf(CUTS[None, :] - mu[:, None])  # P(latent < cut), worst cut first
    cumulative = np.column_stack([np.zeros(len(mu)), below, np.ones(len(mu))])
    worst_first = np.diff(cumulative, axis=1)
    return worst_first[:, ::-1]


def demo_population(seed: int, *, units: Sequence[Unit] = DEMO_UNITS,
                    indicators: Sequence[str] = INDICATORS) -> Population:
    """The demo city's population in round 1; the same seed gives the same truth."""
    rng = np.random.default_rng([seed, 0, 0])
    units, indicators = tuple(units), tuple(indicators)
    interaction = rng.normal(0, INTERACTION_SD, (len(units), len(indicators)))
    base = (CITY_LEVEL + np.array([DISTRICT_EFFECT.get(u.code, 0.0) for u in units])[:, None]
            + np.array([INDICATOR_EFFECT.get(j, 0.0) for j in indicators])[None, :] + interaction)
    rural = np.array([1 - u.urban_share for u in units])[:, None]
    dont_know = np.array([DONT_KNOW_BASE.get(j, 0.05) for j in indicators])[None, :] * (0.8 + 0.6 * rural)
    return Population(units, indicators, base, dont_know, seed)
