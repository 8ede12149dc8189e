"""What changed between two versions of a questionnaire, and which indicators stay comparable (pure).

An indicator is comparable between two versions when its question asks the same thing in the same
way: the same Chinese wording (what respondents hear) and the same answers — codes, Chinese labels,
scores, "counts as satisfied" and "don't know". An English-only edit or a new weight keeps it
comparable (a weight changes the composite, not the indicator). Reports test round-over-round
change only for comparable indicators and mark the others "not comparable".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..i18n import N_, Templated
from .document import Instrument, Option, Question


@dataclass(frozen=True)
class Change(Templated):
    kind: str  # added | removed | moved | changed
    question: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)
    before: str = ""
    after: str = ""


QUESTION_FIELDS = (
    ("type", N_("type")), ("text_zh", N_("Chinese text")), ("text_en", N_("English text")),
    ("indicator", N_("indicator")), ("weight", N_("weight")), ("screening", N_("screening")),
    ("required", N_("required")), ("min_value", N_("smallest value")), ("max_value", N_("largest value")),
    ("eligible_min", N_("eligible from")), ("eligible_max", N_("eligible up to")),
)
OPTION_FIELDS = (
    ("label_zh", N_("Chinese label")), ("label_en", N_("English label")), ("score", N_("score")),
    ("satisfied", N_("counts as satisfied")), ("dont_know", N_("don't know")), ("read_aloud", N_("read aloud")),
    ("ineligible", N_("ends the interview")),
)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _condition(q: Question) -> str:
    return f"{q.condition.question} ∈ {{{', '.join(q.condition.options)}}}" if q.condition else ""


def diff(old: Instrument, new: Instrument) -> list[Change]:
    """Readable changes from ``old`` to ``new``, in the new order (removed questions last)."""
    changes: list[Change] = []
    for name, label in (("title_zh", N_("Chinese title")), ("title_en", N_("English title")),
                        ("intro_zh", N_("Chinese introduction")), ("intro_en", N_("English introduction"))):
        if getattr(old, name) != getattr(new, name):
            changes.append(Change("changed", "", N_("%(field)s changed"), {"field": label},
                                  getattr(old, name), getattr(new, name)))
    before = {q.code: (i, q) for i, q in enumerate(old.questions)}
    after_codes = [q.code for q in new.questions]
    moved = _moved([c for c in after_codes if c in before], {c: i for c, (i, _) in before.items()})
    for q in new.questions:
        if q.code not in before:
            changes.append(Change("added", q.code, N_("question %(code)s added"), {"code": q.code}, "", q.text_zh))
            continue
        p = before[q.code][1]
        if q.code in moved:
            changes.append(Change("moved", q.code, N_("question %(code)s moved from position %(from)s to %(to)s"),
                                  {"code": q.code, "from": before[q.code][0] + 1, "to": after_codes.index(q.code) + 1}))
        for name, label in QUESTION_FIELDS:
            if getattr(p, name) != getattr(q, name):
                changes.append(Change("changed", q.code, N_("%(code)s: %(field)s changed"),
                                      {"code": q.code, "field": label}, _show(getattr(p, name)),
                                      _show(getattr(q, name))))
        if _condition(p) != _condition(q):
            changes.append(Change("changed", q.code, N_("%(code)s: condition changed"), {"code": q.code},
                                  _condition(p), _condition(q)))
        changes.extend(_option_changes(q.code, p.options, q.options))
    for code, (_, p) in before.items():
        if code not in after_codes:
            changes.append(Change("removed", code, N_("question %(code)s removed"), {"code": code}, p.text_zh, ""))
    return changes


def _moved(codes: list[str], old_position: dict[str, int]) -> set[str]:
    """The fewest questions whose moving explains the new order: those outside the longest run that
    kept its relative order (a longest increasing subsequence of old positions)."""
    positions = [old_position[c] for c in codes]
    tails: list[int] = []  # tails[k]: index (into codes) of the smallest tail of an increasing run of length k+1
    back = [-1] * len(codes)
    for i, p in enumerate(positions):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if positions[tails[mid]] < p:
                lo = mid + 1
            else:
                hi = mid
        back[i] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    kept = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        kept.add(codes[i])
        i = back[i]
    return set(codes) - kept


def _option_changes(code: str, old: list[Option], new: list[Option]) -> list[Change]:
    changes = []
    before = {o.code: o for o in old}
    after = {o.code: o for o in new}
    for o in new:
        if o.code not in before:
            changes.append(Change("added", code, N_("%(code)s: answer %(option)s added"),
                                  {"code": code, "option": o.code}, "", o.label_zh))
            continue
        p = before[o.code]
        for name, label in OPTION_FIELDS:
            if getattr(p, name) != getattr(o, name):
                changes.append(Change("changed", code, N_("%(code)s: answer %(option)s, %(field)s changed"),
                                      {"code": code, "option": o.code, "field": label}, _show(getattr(p, name)),
                                      _show(getattr(o, name))))
    for o in old:
        if o.code not in after:
            changes.append(Change("removed", code, N_("%(code)s: answer %(option)s removed"),
                                  {"code": code, "option": o.code}, o.label_zh, ""))
    if _moved([o.code for o in new if o.code in before], {o.code: i for i, o in enumerate(old)}):
        changes.append(Change("moved", code, N_("%(code)s: answers reordered"), {"code": code},
                              ", ".join(o.code for o in old), ", ".join(o.code for o in new)))
    return changes


def _measures_the_same(a: Question, b: Question) -> bool:
    def answers(q: Question):
        return [(o.code, o.label_zh, o.score, o.satisfied, o.dont_know) for o in q.options]

    return a.type == b.type == "scale" and a.text_zh == b.text_zh and answers(a) == answers(b)


def comparability(old: Instrument, new: Instrument) -> dict[str, bool]:
    """Indicator → comparable, for every indicator the new version measures."""
    before = {q.indicator: q for q in old.questions if q.type == "scale" and q.indicator}
    return {q.indicator: q.indicator in before and _measures_the_same(before[q.indicator], q)
            for q in new.questions if q.type == "scale" and q.indicator}
