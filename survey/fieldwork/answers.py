"""Structural checks of a submitted interview against its questionnaire, and how complete it is (pure).

Answers come as ``{question code: value}``: an option code (scale, single), a list of option codes
(multiple), text, or a number. The checks refuse an unknown question or option, an answer to a question
the conditions skip (or one after a screening question ended the interview), a number out of range —
each naming the field. The completion share counts the required, non-screening questions that apply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..i18n import N_
from ..instrument import Instrument, Question

MAX_TEXT = 2000


@dataclass
class Completion:
    applicable: list[str] = field(default_factory=list)  # questions asked, in order
    answered: list[str] = field(default_factory=list)
    screening: str = "unknown"  # eligible | ineligible | unknown
    share: float = 0.0  # of the required, non-screening questions that apply
    errors: list[dict[str, Any]] = field(default_factory=list)


def _applies(question: Question, answers: Mapping[str, Any]) -> bool:
    if question.condition is None:
        return True
    given = answers.get(question.condition.question)
    if given is None:
        return False
    chosen = set(given) if isinstance(given, list) else {given}
    return bool(chosen & set(question.condition.options))


def _screens_out(question: Question, value: Any) -> bool:
    if question.type == "number":
        return (question.eligible_min is not None and value < question.eligible_min) or \
            (question.eligible_max is not None and value > question.eligible_max)
    return any(o.code == value and o.ineligible for o in question.options)


def check(instrument: Instrument, answers: Mapping[str, Any]) -> Completion:
    result = Completion()

    def error(where: str, template: str, **params: Any) -> None:
        result.errors.append({"field": where, "message": template % params if params else template,
                              "template": template, "params": params})

    known = {q.code for q in instrument.questions}
    for code in answers:
        if code not in known:
            error(code, N_("no question %(code)s in this questionnaire"), code=code)
    ended = False
    screening_questions = 0
    for q in instrument.questions:
        value = answers.get(q.code)
        if ended or not _applies(q, answers):
            if value is not None:
                error(q.code, N_("%(code)s was answered but is not asked (skipped by a condition or after the "
                                 "screening ended the interview)"), code=q.code)
            continue
        result.applicable.append(q.code)
        if value is None:
            continue
        if not _valid(q, value, error):
            continue
        result.answered.append(q.code)
        if q.screening:
            screening_questions += 1
            if _screens_out(q, value):
                result.screening, ended = "ineligible", True
    screeners = [q for q in instrument.questions if q.screening]
    if result.screening != "ineligible" and screening_questions == len(screeners):
        result.screening = "eligible"  # every screening question passed (or there are none)
    substantive = [c for c in result.applicable if not instrument.question(c).screening
                   and instrument.question(c).required]
    done = [c for c in substantive if c in result.answered]
    result.share = len(done) / len(substantive) if substantive else (1.0 if result.screening == "eligible" else 0.0)
    return result


def _valid(q: Question, value: Any, error) -> bool:
    codes = {o.code for o in q.options}
    if q.type in ("scale", "single"):
        if not isinstance(value, str) or value not in codes:
            error(q.code, N_("%(code)s: %(value)s is not one of its answers"), code=q.code, value=str(value)[:40])
            return False
    elif q.type == "multiple":
        if not isinstance(value, list) or not value or any(not isinstance(v, str) or v not in codes for v in value) \
                or len(set(value)) != len(value):
            error(q.code, N_("%(code)s: choose one or more of its answers, each once"), code=q.code)
            return False
    elif q.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            error(q.code, N_("%(code)s: a number is needed"), code=q.code)
            return False
        if (q.min_value is not None and value < q.min_value) or (q.max_value is not None and value > q.max_value):
            error(q.code, N_("%(code)s: %(value)s is outside %(low)s–%(high)s"), code=q.code, value=value,
                  low=_show(q.min_value), high=_show(q.max_value))
            return False
    elif q.type == "text":
        if not isinstance(value, str):
            error(q.code, N_("%(code)s: text is needed"), code=q.code)
            return False
        if len(value) > MAX_TEXT:
            error(q.code, N_("%(code)s: at most %(max)s characters"), code=q.code, max=MAX_TEXT)
            return False
        if not value.strip():
            return False  # an empty text is no answer
    return True


def _show(value: float | None) -> str:
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else str(value)
