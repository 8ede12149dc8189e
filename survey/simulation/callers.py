"""Simulated callers at work (pure, deterministic for a seed): honest ones and two kinds of falsifier.

An honest caller dials numbers one after another on weekday evenings (18:00–21:00 Asia/Shanghai):
each dial reaches a person of the population whose outcome follows the population's per-dial shares
(about 3 dials per complete), and a complete is a real interview — answers from the population
truth, seconds per question around SECONDS_NEEDED × ``speed`` (lognormal noise per question and per
interview), an introduction and a goodbye, then 15–45 s of notes before the next dial. Gaps between
interviews are therefore a few minutes, and every complete has its dial record.

- A **blatant** falsifier types interviews in: each takes ~25% of the time its questions need, all
  12 indicators "满意", 3–20 s apart; only about half follow a (short) dial, and it records no
  refusals at all.
- A **subtle** falsifier dials like an honest caller but fakes the interview of every person who
  answers and agrees, and of half of those who refuse: durations ~60% of what its own pace would
  give (``speed`` 1.5, the honest default, puts it at ~60% of the honest median), half of the
  indicators straight-lined on one favourite answer, the rest plausible answers from the population.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..fieldwork.processing import SECONDS_NEEDED
from ..quality.records import CallerRecord, InterviewRecord
from .population import CONTACT_OUTCOMES, LOW, SCALE, Population, Respondent

START = 1_715_594_400.0  # Monday 13 May 2024, 18:00 Asia/Shanghai (10:00 UTC)
SHIFT_START, SHIFT_END = 18 * 3600, 21 * 3600  # local calling hours, seconds after midnight
LOCAL_OFFSET = 8 * 3600
FALSIFIERS = ("blatant", "subtle")

QUESTION_NOISE_SD, INTERVIEW_NOISE_SD = 0.3, 0.1  # lognormal σ per question and per interview
ITEM_NONRESPONSE = 0.005  # chance an honest respondent leaves a rating unanswered
BLATANT_SHARE, BLATANT_DIALLED, BLATANT_GAP = 0.25, 0.5, (3.0, 20.0)
SUBTLE_SHARE, SUBTLE_REFUSALS_FAKED, SUBTLE_FAVOURITES = 0.6, 0.5, (("satisfied", 0.6), ("fairly_satisfied", 0.4))
# Seconds a dial takes after it rings, by outcome (uniform between the bounds); a complete is the interview.
TALK = {"refusal": (10, 40), "no_answer": (20, 35), "invalid": (3, 10), "ineligible": (30, 90),
        "break_off": (60, 180), "appointment": (30, 60)}
RING, NOTES, INTRO, GOODBYE = (5, 25), (15, 45), (20, 40), (5, 15)


@dataclass(frozen=True)
class Caller:
    id: int
    speed: float = 1.5  # seconds per question = SECONDS_NEEDED × speed (larger is slower)
    dk_tendency: float = 1.0  # multiplies the population's "don't know" probability
    falsifier: str | None = None  # None | "blatant" | "subtle"
    new: bool = False

    def __post_init__(self) -> None:
        if self.falsifier not in (None, *FALSIFIERS):
            raise ValueError(f"falsifier must be None, 'blatant' or 'subtle', not {self.falsifier!r}")
        if self.speed <= 0 or self.dk_tendency < 0:
            raise ValueError("speed must be > 0 and dk_tendency ≥ 0")


@dataclass(frozen=True)
class Dial:
    caller_id: int
    started_at: float
    ended_at: float
    outcome: str  # a key of population.OUTCOMES
    stratum: str
    interview_id: int | None = None


@dataclass(frozen=True)
class Complaint:
    interview_id: int
    indicator: str | None  # None: said at the closing "anything to fix?"
    text: str


@dataclass(frozen=True)
class Shift:
    """What one caller did: completed interviews, every dial, the complaints heard."""

    caller: Caller
    interviews: tuple[InterviewRecord, ...]
    dials: tuple[Dial, ...]
    complaints: tuple[Complaint, ...]

    @property
    def record(self) -> CallerRecord:
        outcomes = [d.outcome for d in self.dials]
        return CallerRecord(self.caller.id, self.caller.new, dials=len(outcomes),
                            contacts=sum(o in CONTACT_OUTCOMES for o in outcomes),
                            refusals=sum(o in ("refusal", "break_off") for o in outcomes),
                            ineligible=outcomes.count("ineligible"), completes=len(self.interviews))


def simulate_shift(caller: Caller, population: Population, completes: int, *, seed: int, start: float = START,
                   first_id: int = 1) -> Shift:
    """``completes`` interviews by ``caller`` with ids from ``first_id``; the same seed gives the same shift."""
    if completes < 0:
        raise ValueError("completes must be ≥ 0")
    rng = np.random.default_rng([seed % 2**64, caller.id % 2**64])
    work = CallerAtWork(caller, population, rng, start, first_id)
    while len(work.interviews) < completes:
        if caller.falsifier == "blatant":
            work.blatant()
        else:
            work.dial()
    return Shift(caller, tuple(work.interviews), tuple(work.dials), tuple(work.complaints))


def simulate_team(callers: Sequence[Caller], population: Population, completes: int | Mapping[int, int], *,
                  seed: int, start: float = START) -> list[Shift]:
    """A shift per caller, all starting at ``start``; interview ids run on from one caller to the next."""
    shifts, next_id = [], 1
    for caller in callers:
        n = completes if isinstance(completes, int) else completes.get(caller.id, 0)
        shifts.append(simulate_shift(caller, population, n, seed=seed, start=start, first_id=next_id))
        next_id += n
    return shifts


class CallerAtWork:
    """The state of one shift: the clock, the records so far. The fieldwork simulator drives one per
    caller through the real case queue, with ``interview`` and ``typed_in`` for what a call produces."""

    def __init__(self, caller: Caller, population: Population, rng: np.random.Generator, start: float,
                 first_id: int) -> None:
        self.caller, self.population, self.rng = caller, population, rng
        self.clock, self.next_id = _calling_hours(start), first_id
        self.interviews: list[InterviewRecord] = []
        self.dials: list[Dial] = []
        self.complaints: list[Complaint] = []
        favourites, weights = zip(*SUBTLE_FAVOURITES, strict=True)
        self.favourite = favourites[int(rng.choice(len(favourites), p=weights))]

    def uniform(self, bounds: tuple[float, float]) -> float:
        return float(self.rng.uniform(*bounds))

    def dial(self) -> None:
        """One dial of an honest or subtle caller, then the notes before the next one."""
        person = self.population.draw_person(self.rng)
        shares = self.population.outcome_probabilities(person)
        cumulative = np.cumsum(list(shares.values()))[:-1]
        outcome = list(shares)[int(np.searchsorted(cumulative, self.rng.random(), side="right"))]
        started = self.clock
        fake = self.caller.falsifier == "subtle" and (
            outcome == "complete" or (outcome == "refusal" and self.rng.random() < SUBTLE_REFUSALS_FAKED))
        if outcome == "complete" or fake:
            interview = self.interview(person, started + self.uniform(RING), fake=fake)
            self.dials.append(Dial(self.caller.id, started, interview.ended_at, "complete", person.stratum,
                                   interview.id))
            ended = interview.ended_at
        else:
            ended = started + self.uniform(RING) + self.uniform(TALK[outcome])
            self.dials.append(Dial(self.caller.id, started, ended, outcome, person.stratum))
        self.clock = _calling_hours(ended + self.uniform(NOTES))

    def interview(self, person: Respondent, started: float, *, fake: bool) -> InterviewRecord:
        ratings = self.population.answer(person, self.rng, dk_tendency=self.caller.dk_tendency)
        unanswered = 0
        if fake:
            chosen = self.rng.choice(len(ratings), size=len(ratings) // 2, replace=False)
            for index in chosen:
                ratings[self.population.indicators[int(index)]] = self.favourite
        else:
            for code in list(ratings):
                if self.rng.random() < ITEM_NONRESPONSE:
                    del ratings[code]
                    unanswered += 1
        said = self.population.complaints(person, ratings, self.rng)
        share = self.caller.speed * (SUBTLE_SHARE if fake else 1.0)
        return self.record(person, started, ratings, said, share=share, unanswered=unanswered, dialled=True)

    def blatant(self) -> None:
        """One typed-in interview: no real respondent, sometimes a token dial first."""
        person = self.population.draw_person(self.rng)
        started = self.clock
        dialled = bool(self.rng.random() < BLATANT_DIALLED)
        if dialled:
            started += self.uniform(RING)
        interview = self.typed_in(person, started, dialled=dialled)
        if dialled:
            self.dials.append(Dial(self.caller.id, self.clock, interview.ended_at, "complete", person.stratum,
                                   interview.id))
        self.clock = _calling_hours(interview.ended_at + self.uniform(BLATANT_GAP))

    def typed_in(self, person: Respondent, started: float, *, dialled: bool) -> InterviewRecord:
        """A blatant falsifier's interview: every indicator 满意, a quarter of the time it needs."""
        ratings: dict[str, str | None] = {j: SCALE[0] for j in self.population.indicators}
        return self.record(person, started, ratings, [], share=BLATANT_SHARE, unanswered=0, dialled=dialled,
                           overhead=(0.0, 5.0))

    def record(self, person: Respondent, started: float, ratings: dict[str, str | None],
               said: list[tuple[str | None, str]], *, share: float, unanswered: int, dialled: bool,
               overhead: tuple[float, float] | None = None) -> InterviewRecord:
        """The interview's record: its applicable questions, their seconds, the complaints heard."""
        questions = [("S1", "number"), ("S2", "single")] + [(j, "scale") for j in self.population.indicators]
        questions += [(f"{j}_why", "text") for j in self.population.indicators if ratings.get(j) in LOW]
        questions += [("fix", "text"), ("recontact", "single")]  # the demo questionnaire's closing questions
        unasked = set(self.population.indicators) - set(ratings)  # left unanswered: no time spent on them
        factor = share * float(self.rng.lognormal(0.0, INTERVIEW_NOISE_SD))
        seconds = {code: SECONDS_NEEDED[kind] * factor * float(self.rng.lognormal(0.0, QUESTION_NOISE_SD))
                   for code, kind in questions if code not in unasked}
        if overhead is None:
            talk = (self.uniform(INTRO) + self.uniform(GOODBYE)) * min(1.0, share / self.caller.speed)
        else:
            talk = self.uniform(overhead)
        interview_id = self.next_id
        self.next_id += 1
        self.complaints += [Complaint(interview_id, indicator, text) for indicator, text in said]
        record = InterviewRecord(
            id=interview_id, caller_id=self.caller.id, stratum=person.stratum, district=person.district,
            started_at=started, ended_at=started + talk + sum(seconds.values()),
            needed_seconds=sum(SECONDS_NEEDED[kind] for _, kind in questions), question_seconds=seconds,
            ratings=ratings, asked=len(questions), unanswered=unanswered, dialled=dialled)
        self.interviews.append(record)
        return record


def _calling_hours(t: float) -> float:
    """``t`` if within calling hours, else 18:00 local of the same or the next evening."""
    local = t + LOCAL_OFFSET
    day, time_of_day = divmod(local, 86_400)
    if time_of_day < SHIFT_START:
        return day * 86_400 + SHIFT_START - LOCAL_OFFSET
    if time_of_day >= SHIFT_END:
        return (day + 1) * 86_400 + SHIFT_START - LOCAL_OFFSET
    return t
