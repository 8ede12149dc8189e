"""What processing makes of one interview (pure): scores, complaint texts, quality signals.

- Scores: per indicator the chosen answer's score, None for "don't know" (a respondent × indicator
  vector stored beside the answers, so reports load a whole round in one read).
- Complaints: every non-empty open answer — a "why?" after a low rating (tied to that indicator) or
  the closing "anything to fix?" — goes to the issue loop.
- Quality signals (DOMAIN.md, "Quality control"): an interview far shorter than the questionnaire
  needs, straight-lining, and a high share of "don't know". Only raised signals are returned.
- Consent to a call-back: the answer "yes" to the question coded ``recontact`` (a convention, like the
  indicator link: the respondent agrees to be called back about the issues they raised).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..instrument import Instrument

# Seconds a question needs at least when read and answered properly (the floor for "too short").
SECONDS_NEEDED = {"scale": 7.0, "single": 5.0, "multiple": 8.0, "number": 4.0, "text": 10.0}
SHORT_SHARE = 0.5  # shorter than half of what the asked questions need
STRAIGHT_LINE_MIN = 6  # at least this many rated indicators, all with the same answer
DONT_KNOW_SHARE = 0.5
RECONTACT_QUESTION, RECONTACT_YES = "recontact", "yes"


@dataclass
class Processed:
    scores: dict[str, float | None] = field(default_factory=dict)
    satisfied: dict[str, int | None] = field(default_factory=dict)
    complaints: list[tuple[str, str | None, str, str]] = field(default_factory=list)  # code, indicator, text, kind
    signals: dict[str, float] = field(default_factory=dict)
    recontact: bool = False


def vector(scores: Mapping[str, float | None], satisfied: Mapping[str, int | None], codes: list[str]) -> bytes:
    """Scores then satisfied, in ``codes`` order, as float64 bytes (NaN: don't know or not asked)."""
    import numpy as np

    return np.array([scores.get(c) for c in codes] + [satisfied.get(c) for c in codes], dtype=float).tobytes()


def process(instrument: Instrument, answers: Mapping[str, Any], *, duration_seconds: float | None = None,
            applicable: list[str] | None = None) -> Processed:
    out = Processed(recontact=answers.get(RECONTACT_QUESTION) == RECONTACT_YES)
    by_code = {q.code: q for q in instrument.questions}
    rated: list[str] = []
    dont_know = 0
    for q in instrument.questions:
        value = answers.get(q.code)
        if q.type == "scale" and q.indicator and value is not None:
            option = next((o for o in q.options if o.code == value), None)
            if option is None:
                continue
            if option.dont_know:
                dont_know += 1
                out.scores[q.indicator], out.satisfied[q.indicator] = None, None
            else:
                rated.append(value)
                out.scores[q.indicator], out.satisfied[q.indicator] = option.score, int(option.satisfied)
        elif q.type == "text" and isinstance(value, str) and value.strip():
            source = by_code.get(q.condition.question) if q.condition else None
            indicator = source.indicator if source is not None and source.type == "scale" else None
            out.complaints.append((q.code, indicator, value.strip(), "why" if q.condition else "open"))
    if duration_seconds is not None and applicable:
        needed = sum(SECONDS_NEEDED.get(by_code[c].type, 5.0) for c in applicable if c in by_code)
        if needed and duration_seconds < SHORT_SHARE * needed:
            out.signals["short_interview"] = round(duration_seconds / needed, 3)
    if len(rated) >= STRAIGHT_LINE_MIN and len(set(rated)) == 1:
        out.signals["straight_lining"] = float(len(rated))
    asked = len(rated) + dont_know
    if asked and dont_know / asked >= DONT_KNOW_SHARE:
        out.signals["many_dont_know"] = round(dont_know / asked, 3)
    return out
