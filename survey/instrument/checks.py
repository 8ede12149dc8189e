"""Checks of a questionnaire document (pure). Errors block freezing and fielding; warnings do not.

Each problem says where (question, option), which field, and why, as a translatable template.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ..i18n import N_, Templated
from .document import CHOICE_TYPES, QUESTION_TYPES, Instrument, Question

CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,39}$")


@dataclass(frozen=True)
class Problem(Templated):
    level: str  # "error" or "warning"
    question: str  # question code ("" for the questionnaire itself)
    field: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)


def check(instrument: Instrument, *, indicators: Collection[str] | None = None) -> list[Problem]:
    """Every problem of the questionnaire; ``indicators`` are the known indicator codes, when given."""
    problems: list[Problem] = []

    def error(question: str, where: str, template: str, **params: Any) -> None:
        problems.append(Problem("error", question, where, template, params))

    def warning(question: str, where: str, template: str, **params: Any) -> None:
        problems.append(Problem("warning", question, where, template, params))

    if not instrument.name:
        error("", "name", N_("the questionnaire needs a name"))
    if not instrument.questions:
        error("", "questions", N_("the questionnaire has no questions"))
    if instrument.title_zh and not instrument.title_en:
        warning("", "title_en", N_("no English title"))
    if instrument.intro_zh and not instrument.intro_en:
        warning("", "intro_en", N_("no English introduction"))

    position: dict[str, int] = {}
    for i, q in enumerate(instrument.questions):
        label = q.code or f"#{i + 1}"
        if not q.code:
            error(label, "code", N_("question %(number)s has no code"), number=i + 1)
        elif not CODE.match(q.code):
            error(label, "code", N_("code %(code)s: use letters, digits, _ or - and start with a letter"), code=q.code)
        elif q.code in position:
            error(label, "code", N_("duplicate question code %(code)s (questions %(first)s and %(second)s)"),
                  code=q.code, first=position[q.code] + 1, second=i + 1)
        else:
            position[q.code] = i
        _check_question(q, label, indicators, error, warning)

    indicator_seen: dict[str, str] = {}
    for q in instrument.questions:
        if q.type == "scale" and q.indicator:
            if q.indicator in indicator_seen:
                error(q.code, "indicator", N_("indicator %(indicator)s is measured twice (%(first)s and %(second)s)"),
                      indicator=q.indicator, first=indicator_seen[q.indicator], second=q.code)
            indicator_seen[q.indicator] = q.code
    weights = [q.weight for q in instrument.questions if q.type == "scale" and q.indicator]
    if weights and all(w is not None for w in weights) and abs(sum(weights) - 1) > 1e-6:
        error("", "weight", N_("indicator weights add up to %(total)s, not 1"), total=round(sum(weights), 6))
    elif any(w is not None for w in weights) and sum(w for w in weights if w is not None) > 1 + 1e-6:
        error("", "weight", N_("indicator weights add up to more than 1"))

    _check_conditions(instrument, position, error)
    return problems


def _check_question(q: Question, label: str, indicators, error, warning) -> None:
    if q.type not in QUESTION_TYPES:
        error(label, "type", N_("unknown question type %(type)s"), type=q.type or "—")
        return
    if not q.text_zh:
        error(label, "text_zh", N_("the question has no Chinese text"))
    if not q.text_en:
        warning(label, "text_en", N_("no English text"))
    if q.type == "scale":
        if not q.indicator:
            error(label, "indicator", N_("a satisfaction question needs an indicator"))
        elif indicators is not None and q.indicator not in indicators:
            error(label, "indicator", N_("unknown indicator %(indicator)s"), indicator=q.indicator)
        if q.weight is not None and q.weight < 0:
            error(label, "weight", N_("a weight cannot be negative"))
    if q.type in CHOICE_TYPES:
        _check_options(q, label, error, warning)
    elif q.options:
        error(label, "options", N_("a %(type)s question has no options"), type=q.type)
    if q.type == "number":
        if q.min_value is not None and q.max_value is not None and q.min_value > q.max_value:
            error(label, "min_value", N_("the smallest value is larger than the largest"))
        if q.screening and q.eligible_min is None and q.eligible_max is None:
            error(label, "eligible_min", N_("a screening number question needs an eligible range"))
    if q.screening:
        if q.type in ("text", "multiple"):
            error(label, "screening", N_("only single-choice, scale and number questions can screen"))
        elif q.type in CHOICE_TYPES and q.options:
            if not any(o.ineligible for o in q.options):
                error(label, "options", N_("a screening question needs at least one answer that ends the interview"))
            if all(o.ineligible for o in q.options):
                error(label, "options", N_("every answer of this screening question ends the interview"))


def _check_options(q: Question, label: str, error, warning) -> None:
    if not q.options:
        error(label, "options", N_("the question has no options"))
        return
    seen: set[str] = set()
    for j, o in enumerate(q.options, start=1):
        where = f"options[{j}]"
        if not o.code:
            error(label, where, N_("option %(number)s has no code"), number=j)
        elif o.code in seen:
            error(label, where, N_("duplicate option code %(code)s"), code=o.code)
        seen.add(o.code)
        if not o.label_zh:
            error(label, where, N_("option %(code)s has no Chinese label"), code=o.code or j)
        elif not o.label_en:
            warning(label, where, N_("option %(code)s has no English label"), code=o.code or j)
        if q.type == "scale":
            if o.dont_know and o.score is not None:
                error(label, where, N_("\"don't know\" (%(code)s) cannot have a score"), code=o.code)
            if not o.dont_know and o.score is None:
                error(label, where, N_("scale option %(code)s has no score"), code=o.code)
            if o.dont_know and o.satisfied:
                error(label, where, N_("\"don't know\" (%(code)s) cannot count as satisfied"), code=o.code)
    if q.type == "scale":
        scored = [o for o in q.options if not o.dont_know]
        if len(scored) < 2:
            error(label, "options", N_("a scale needs at least two scored answers"))
        elif not any(o.satisfied for o in scored):
            error(label, "options", N_("no answer of this scale counts as satisfied"))
        elif all(o.satisfied for o in scored):
            error(label, "options", N_("every answer of this scale counts as satisfied"))


def _check_conditions(instrument: Instrument, position: dict[str, int], error) -> None:
    for i, q in enumerate(instrument.questions):
        c = q.condition
        if c is None:
            continue
        if not c.question:
            error(q.code, "condition", N_("the condition names no question"))
            continue
        if c.question == q.code:
            error(q.code, "condition", N_("the condition refers to the question itself (a cycle)"))
            continue
        if c.question not in position:
            error(q.code, "condition", N_("the condition refers to unknown question %(ref)s"), ref=c.question)
            continue
        if position[c.question] > i:
            error(q.code, "condition", N_("the condition refers to %(ref)s, which comes later"), ref=c.question)
        target = instrument.questions[position[c.question]]
        if target.type not in CHOICE_TYPES:
            error(q.code, "condition", N_("a condition can only refer to a choice question (%(ref)s is %(type)s)"),
                  ref=c.question, type=target.type)
            continue
        if not c.options:
            error(q.code, "condition", N_("the condition lists no answers"))
        known = {o.code for o in target.options}
        for code in c.options:
            if code not in known:
                error(q.code, "condition", N_("the condition refers to answer %(option)s, which %(ref)s does not have"),
                      option=code, ref=c.question)
    for cycle in _cycles(instrument):
        error(cycle[0], "condition", N_("conditions form a cycle: %(cycle)s"), cycle=" → ".join(cycle))


def _cycles(instrument: Instrument) -> list[list[str]]:
    """Cycles among conditions (each question depends on at most one other, so follow the chain)."""
    depends = {q.code: q.condition.question for q in instrument.questions if q.condition and q.condition.question}
    found: list[list[str]] = []
    reported: set[str] = set()
    for start in depends:
        path: list[str] = []
        node = start
        while node in depends and node not in path:
            path.append(node)
            node = depends[node]
        if node in path:
            cycle = path[path.index(node):]
            if len(cycle) > 1 and not reported & set(cycle):
                reported |= set(cycle)
                found.append([*cycle, cycle[0]])
    return found
