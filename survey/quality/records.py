"""What quality control reads and writes (pure records): the DB-side service builds the inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..i18n import Templated


@dataclass(frozen=True)
class InterviewRecord:
    id: int
    caller_id: int
    stratum: str  # stratum key, e.g. "chengzhong|urban"
    district: str  # region code
    started_at: float  # epoch seconds
    ended_at: float
    needed_seconds: float  # what the asked questions need (Σ SECONDS_NEEDED over the applicable questions)
    question_seconds: Mapping[str, float]  # question code → seconds spent (may be partial or empty)
    ratings: Mapping[str, str | None]  # indicator code → option code chosen; None = don't know
    asked: int  # applicable questions
    unanswered: int  # applicable questions left unanswered (item nonresponse)
    dialled: bool = True  # a dial record by this caller matches the interview

    @property
    def duration(self) -> float:
        return self.ended_at - self.started_at


@dataclass(frozen=True)
class CallerRecord:
    caller_id: int
    new: bool  # a new caller gets a higher verification floor
    dials: int
    contacts: int  # dials someone answered
    refusals: int
    ineligible: int
    completes: int


@dataclass(frozen=True)
class IssueRecord:
    id: int
    department: str
    status: str
    doubtful_reasons: tuple[str, ...] = ()  # e.g. "callback_not_solved", "repeat_complaint"
    cluster_id: int | None = None
    cluster_size: int = 1


@dataclass(frozen=True)
class Reason(Templated):
    """A raised signal or a selection rule: ``kind``, a ``value`` and a translatable message.

    ``template`` is marked with ``N_()``; the web layer shows ``localised(gettext)``, logs use ``message``.
    """

    kind: str
    value: float
    template: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Pick:
    """One target chosen for verification, by which rule and why."""

    target_id: int
    rule: str  # "floor" | "risk" for interviews; "share" | "doubtful" | "cluster" for issues
    reasons: tuple[Reason, ...]
    risk: float | None = None  # the interview's risk score
