"""A questionnaire as a plain document (pure: no Flask, no database).

The document is what the builder edits, what JSON and XLSX files hold, what versions are compared
by, and what the caller's screen renders. The database stores it in normalised rows (answers refer
to question and option ids) and converts with :func:`from_dict`/:func:`to_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..errors import ValidationError
from ..i18n import N_

QUESTION_TYPES = ("scale", "single", "multiple", "text", "number")
CHOICE_TYPES = ("scale", "single", "multiple")
FORMAT = "minsheng-questionnaire/1"


@dataclass
class Option:
    code: str
    label_zh: str
    label_en: str = ""
    score: float | None = None  # scale options: the score; "don't know" has none
    satisfied: bool = False  # counts as satisfied (满意 + 比较满意)
    dont_know: bool = False  # 不了解: not read aloud, excluded from every measure
    read_aloud: bool = True
    ineligible: bool = False  # screening questions: this answer ends the interview as ineligible


@dataclass
class Condition:
    """Ask the question only when an earlier question's answer is one of ``options``."""

    question: str
    options: list[str] = field(default_factory=list)


@dataclass
class Question:
    code: str
    type: str
    text_zh: str
    text_en: str = ""
    indicator: str | None = None  # scale questions: the indicator they measure
    weight: float | None = None  # the indicator's weight in the composite index (this version)
    scale: str | None = None  # the scale template the options came from (informative)
    options: list[Option] = field(default_factory=list)
    screening: bool = False
    required: bool = True
    condition: Condition | None = None
    min_value: float | None = None  # number questions: the valid range
    max_value: float | None = None
    eligible_min: float | None = None  # screening number questions: the eligible range
    eligible_max: float | None = None


@dataclass
class Instrument:
    name: str
    title_zh: str = ""
    title_en: str = ""
    intro_zh: str = ""  # what the caller says first
    intro_en: str = ""
    questions: list[Question] = field(default_factory=list)

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    def indicator_weights(self) -> dict[str, float]:
        """Indicator → weight; unset weights share what the set ones leave, equally."""
        scale = [q for q in self.questions if q.type == "scale" and q.indicator]
        fixed = sum(q.weight for q in scale if q.weight is not None)
        free = [q for q in scale if q.weight is None]
        share = (1 - fixed) / len(free) if free else 0.0
        return {q.indicator: (q.weight if q.weight is not None else share) for q in scale}


def to_dict(instrument: Instrument) -> dict[str, Any]:
    """The JSON form: defaults left out so files stay readable, the format named for later versions."""
    def clean(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items() if v not in (None, [], "") or k in ("code", "type")}
        if isinstance(obj, list):
            return [clean(v) for v in obj]
        return obj

    data = asdict(instrument)
    for question in data["questions"]:
        for option in question["options"]:
            for name, default in (("satisfied", False), ("dont_know", False), ("read_aloud", True),
                                  ("ineligible", False)):
                if option[name] == default:
                    del option[name]
        for name, default in (("screening", False), ("required", True)):
            if question[name] == default:
                del question[name]
    return {"format": FORMAT, **clean(data)}


def from_dict(data: Any) -> Instrument:
    """Read the JSON form; every structural problem is reported with where it is (not just the first)."""
    problems: list[dict[str, Any]] = []

    def problem(where: str, message: str, **params: Any) -> None:
        problems.append({"field": where, "message": message % params if params else message,
                         "template": message, "params": params})

    if not isinstance(data, dict):
        raise ValidationError(N_("a questionnaire must be a JSON object"), details=[{"field": "", "message":
                                                                                     "not an object"}])
    if data.get("format", FORMAT) != FORMAT:
        problem("format", N_("unknown format %(format)s (expected %(expected)s)"), format=data.get("format"),
                expected=FORMAT)
    name = _text(data.get("name"))
    if not name:
        problem("name", N_("the questionnaire needs a name"))
    questions = []
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list):
        problem("questions", N_("questions must be a list"))
        raw_questions = []
    for i, raw in enumerate(raw_questions, start=1):
        where = f"questions[{i}]"
        if not isinstance(raw, dict):
            problem(where, N_("a question must be an object"))
            continue
        questions.append(_question(raw, where, problem))
    if problems:
        raise ValidationError(N_("the questionnaire file has %(count)s problem(s)"), details=problems,
                              params={"count": len(problems)})
    return Instrument(name=name, title_zh=_text(data.get("title_zh")), title_en=_text(data.get("title_en")),
                      intro_zh=_text(data.get("intro_zh")), intro_en=_text(data.get("intro_en")), questions=questions)


def _question(raw: dict[str, Any], where: str, problem) -> Question:
    known = {f.name for f in fields(Question)}
    for key in raw:
        if key not in known:
            problem(f"{where}.{key}", N_("unknown field %(field)s"), field=key)
    options = []
    raw_options = raw.get("options") or []
    if not isinstance(raw_options, list):
        problem(f"{where}.options", N_("options must be a list"))
        raw_options = []
    for j, option in enumerate(raw_options, start=1):
        if not isinstance(option, dict):
            problem(f"{where}.options[{j}]", N_("an option must be an object"))
            continue
        unknown = set(option) - {f.name for f in fields(Option)}
        for key in sorted(unknown):
            problem(f"{where}.options[{j}].{key}", N_("unknown field %(field)s"), field=key)
        options.append(Option(
            code=_text(option.get("code")), label_zh=_text(option.get("label_zh")),
            label_en=_text(option.get("label_en")),
            score=_number(option.get("score"), f"{where}.options[{j}].score", problem),
            satisfied=_flag(option.get("satisfied"), False), dont_know=_flag(option.get("dont_know"), False),
            read_aloud=_flag(option.get("read_aloud"), True), ineligible=_flag(option.get("ineligible"), False)))
    condition = None
    raw_condition = raw.get("condition")
    if raw_condition:
        if isinstance(raw_condition, dict) and isinstance(raw_condition.get("options", []), list):
            condition = Condition(_text(raw_condition.get("question")),
                                  [_text(o) for o in raw_condition.get("options", [])])
        else:
            problem(f"{where}.condition", N_("a condition needs a question and a list of options"))
    return Question(
        code=_text(raw.get("code")), type=_text(raw.get("type")), text_zh=_text(raw.get("text_zh")),
        text_en=_text(raw.get("text_en")), indicator=_text(raw.get("indicator")) or None,
        weight=_number(raw.get("weight"), f"{where}.weight", problem), scale=_text(raw.get("scale")) or None,
        options=options, screening=_flag(raw.get("screening"), False), required=_flag(raw.get("required"), True),
        condition=condition,
        min_value=_number(raw.get("min_value"), f"{where}.min_value", problem),
        max_value=_number(raw.get("max_value"), f"{where}.max_value", problem),
        eligible_min=_number(raw.get("eligible_min"), f"{where}.eligible_min", problem),
        eligible_max=_number(raw.get("eligible_max"), f"{where}.eligible_max", problem))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


TRUE = {"1", "true", "yes", "y", "是", "√", "✓", "x"}
FALSE = {"0", "false", "no", "n", "否", ""}


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False if text else default
    return default


def _number(value: Any, where: str, problem) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        problem(where, N_("not a number: %(value)s"), value=value)
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problem(where, N_("not a number: %(value)s"), value=str(value)[:40])
        return None
    if number != number or number in (float("inf"), float("-inf")):
        problem(where, N_("not a number: %(value)s"), value=str(value)[:40])
        return None
    return number
