"""Where the quality-control signals start (pure): one place to read and tune every threshold."""

from __future__ import annotations

from dataclasses import dataclass

from ..fieldwork.processing import DONT_KNOW_SHARE, SHORT_SHARE, STRAIGHT_LINE_MIN
from .records import InterviewRecord


@dataclass(frozen=True)
class Thresholds:
    short_share: float = SHORT_SHARE  # duration against what the questions need (as processing flags it)
    question_floor_share: float = 0.4  # a question faster than this share of the mean need per question
    fast_questions_share: float = 0.3
    min_timed: int = 3  # timed questions needed to judge per-question speed
    pace_share: float = 0.7  # an interview's pace against the other callers' median pace
    caller_pace_share: float = 0.75  # a caller's median pace against the other callers'
    straight_min: int = STRAIGHT_LINE_MIN
    straight_share: float = 0.75
    dont_know_share: float = DONT_KNOW_SHARE
    nonresponse_share: float = 0.2
    min_gap_seconds: float = 15.0
    fdr: float = 0.05  # false discovery rate of the caller-level tests (Benjamini–Hochberg)
    rate_ratio: float = 1.5  # refusal/ineligible rate at least this many times (or 1/this) the peers'
    min_interviews: int = 10  # a caller's answers and pace are judged from this many interviews on
    min_contacts: int = 20  # a caller's refusal and ineligible rates from this many contacts on
    identical_min: int = 4  # coached answers: at least this many identical patterns in one district


THRESHOLDS = Thresholds()


def pace(interview: InterviewRecord) -> float | None:
    """Seconds spent per second its questions need; None when nothing was needed."""
    return interview.duration / interview.needed_seconds if interview.needed_seconds > 0 else None


def percent(share: float) -> int:
    """A share as a whole percentage, for ``%(share)d%%`` in messages."""
    return round(100 * share)
