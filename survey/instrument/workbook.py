"""A questionnaire as an Excel workbook, for coordinators who author in Excel (pure: openpyxl only).

Three sheets: 问卷 (name, titles, introduction), 题目 (one row per question, in order) and 选项 (one
row per answer, grouped by question code). Headings carry the field name first ("code 代码"), so the
file reads back whatever language the headings are in. Writing then reading gives the same document.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import ValidationError
from ..i18n import N_
from .document import QUESTION_TYPES, Condition, Instrument, Option, Question, _flag, _number, _text

META_SHEET, QUESTION_SHEET, OPTION_SHEET = "问卷 Questionnaire", "题目 Questions", "选项 Options"
META_FIELDS = (("name", "名称"), ("title_zh", "标题（中文）"), ("title_en", "标题（英文）"),
               ("intro_zh", "开场白（中文）"), ("intro_en", "开场白（英文）"))
QUESTION_COLUMNS = (
    ("code", "代码"), ("type", "题型"), ("text_zh", "题目（中文）"), ("text_en", "题目（英文）"),
    ("indicator", "指标"), ("weight", "权重"), ("scale", "量表模板"), ("screening", "甄别题"),
    ("required", "必答"), ("condition_question", "条件：题目"), ("condition_options", "条件：选项"),
    ("min_value", "最小值"), ("max_value", "最大值"), ("eligible_min", "合格下限"), ("eligible_max", "合格上限"),
)
OPTION_COLUMNS = (
    ("question", "题目代码"), ("code", "选项代码"), ("label_zh", "选项（中文）"), ("label_en", "选项（英文）"),
    ("score", "分值"), ("satisfied", "计为满意"), ("dont_know", "不了解"), ("read_aloud", "读出"),
    ("ineligible", "不合格"),
)
TYPE_NAMES = {"量表": "scale", "满意度": "scale", "单选": "single", "多选": "multiple", "开放": "text",
              "文本": "text", "填空": "text", "数字": "number", "数值": "number"}
FLAGS = {"satisfied", "dont_know", "read_aloud", "ineligible", "screening", "required"}
HEADER = PatternFill("solid", fgColor="DDE7F0")


def to_xlsx(instrument: Instrument) -> bytes:
    book = Workbook()
    meta = book.active
    meta.title = META_SHEET
    meta.append(["field 字段", "value 值"])
    for name, zh in META_FIELDS:
        meta.append([f"{name} {zh}", getattr(instrument, name)])
    questions = book.create_sheet(QUESTION_SHEET)
    questions.append([f"{name} {zh}" for name, zh in QUESTION_COLUMNS])
    for q in instrument.questions:
        questions.append([
            q.code, q.type, q.text_zh, q.text_en, q.indicator, q.weight, q.scale, _yes(q.screening),
            _yes(q.required), q.condition.question if q.condition else None,
            ", ".join(q.condition.options) if q.condition else None,
            q.min_value, q.max_value, q.eligible_min, q.eligible_max])
    options = book.create_sheet(OPTION_SHEET)
    options.append([f"{name} {zh}" for name, zh in OPTION_COLUMNS])
    for q in instrument.questions:
        for o in q.options:
            options.append([q.code, o.code, o.label_zh, o.label_en, o.score, _yes(o.satisfied), _yes(o.dont_know),
                            _yes(o.read_aloud), _yes(o.ineligible)])
    for sheet, widths in ((meta, (22, 60)), (questions, (16, 10, 48, 40, 18, 8, 18, 8, 8, 16, 28, 8, 8, 8, 8)),
                          (options, (16, 22, 16, 22, 8, 8, 8, 8, 8))):
        _style(sheet, widths)
    _choices(questions, "B", QUESTION_TYPES)
    for column in ("H", "I"):
        _choices(questions, column, ("yes", "no"))
    for column in ("F", "G", "H", "I"):
        _choices(options, column, ("yes", "no"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _style(sheet, widths: Iterable[int]) -> None:
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A2"


def _choices(sheet, column: str, values: Iterable[str]) -> None:
    rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
    sheet.add_data_validation(rule)
    rule.add(f"{column}2:{column}1000")


def from_xlsx(source: bytes | BinaryIO) -> Instrument:
    """Read a workbook written by :func:`to_xlsx` (and edited); every problem names sheet, row and column."""
    try:
        book = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True,
                             data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(N_("not an Excel workbook (.xlsx): %(reason)s"), params={"reason": str(exc)[:200]},
                              details=[{"field": "file", "message": str(exc)[:200]}]) from exc
    problems: list[dict[str, Any]] = []

    def problem(sheet: str, row: int, column: str, template: str, **params: Any) -> None:
        message = template % params if params else template
        problems.append({"sheet": sheet, "row": row, "field": column, "message": message, "template": template,
                         "params": params})

    sheets = {_key(name): book[name] for name in book.sheetnames}
    missing = [name for name in (META_SHEET, QUESTION_SHEET, OPTION_SHEET) if _key(name) not in sheets]
    if missing:
        raise ValidationError(N_("the workbook lacks the sheet(s) %(sheets)s"), params={"sheets": ", ".join(missing)},
                              details=[{"field": name, "message": "missing sheet"} for name in missing])
    meta = {}
    for row in list(sheets[_key(META_SHEET)].iter_rows(values_only=True))[1:]:
        if row and row[0]:
            meta[_key(row[0])] = _text(row[1] if len(row) > 1 else None)
    def numeric(row: dict[str, Any], name: str, sheet: str, number: int) -> float | None:
        return _number(row.get(name), name, lambda where, template, **p: problem(sheet, number, where, template, **p))

    questions: list[Question] = []
    by_code: dict[str, Question] = {}
    for number, row in _rows(sheets[_key(QUESTION_SHEET)], QUESTION_COLUMNS, QUESTION_SHEET, problem):
        kind = _text(row.get("type")).lower()
        kind = TYPE_NAMES.get(kind, kind)
        condition = None
        if _text(row.get("condition_question")):
            condition = Condition(_text(row.get("condition_question")),
                                  [c.strip() for c in _text(row.get("condition_options")).replace("，", ",").split(",")
                                   if c.strip()])
        q = Question(
            code=_text(row.get("code")), type=kind, text_zh=_text(row.get("text_zh")),
            text_en=_text(row.get("text_en")), indicator=_text(row.get("indicator")) or None,
            weight=numeric(row, "weight", QUESTION_SHEET, number),
            scale=_text(row.get("scale")) or None, screening=_flag(row.get("screening"), False),
            required=_flag(row.get("required"), True), condition=condition,
            **{name: numeric(row, name, QUESTION_SHEET, number)
               for name in ("min_value", "max_value", "eligible_min", "eligible_max")})
        if q.code in by_code:
            problem(QUESTION_SHEET, number, "code", N_("duplicate question code %(code)s"), code=q.code)
        questions.append(q)
        by_code.setdefault(q.code, q)
    for number, row in _rows(sheets[_key(OPTION_SHEET)], OPTION_COLUMNS, OPTION_SHEET, problem):
        owner = by_code.get(_text(row.get("question")))
        if owner is None:
            problem(OPTION_SHEET, number, "question", N_("no question with code %(code)s on the questions sheet"),
                    code=_text(row.get("question")) or "—")
            continue
        owner.options.append(Option(
            code=_text(row.get("code")), label_zh=_text(row.get("label_zh")), label_en=_text(row.get("label_en")),
            score=numeric(row, "score", OPTION_SHEET, number),
            satisfied=_flag(row.get("satisfied"), False), dont_know=_flag(row.get("dont_know"), False),
            read_aloud=_flag(row.get("read_aloud"), True), ineligible=_flag(row.get("ineligible"), False)))
    book.close()
    if problems:
        raise ValidationError(N_("the workbook has %(count)s problem(s)"), details=problems,
                              params={"count": len(problems)})
    return Instrument(name=meta.get("name", ""), title_zh=meta.get("title_zh", ""), title_en=meta.get("title_en", ""),
                      intro_zh=meta.get("intro_zh", ""), intro_en=meta.get("intro_en", ""), questions=questions)


def _key(heading: Any) -> str:
    """The field name a heading starts with: "code 代码" → "code"; a Chinese-only heading maps back too."""
    text = _text(heading)
    first = text.split()[0].lower() if text.split() else ""
    for name, zh in (*META_FIELDS, *QUESTION_COLUMNS, *OPTION_COLUMNS):
        if text == zh:
            return name
    for sheet in (META_SHEET, QUESTION_SHEET, OPTION_SHEET):
        if text == sheet or first == sheet.split()[0]:
            return sheet.split()[0]
    return first


def _rows(sheet, columns, sheet_name: str, problem):
    """(row number, {field: value}) for each non-empty row; unknown headings are reported once."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    names = [_key(h) for h in header]
    known = {name for name, _ in columns}
    for i, name in enumerate(names):
        if name and name not in known:
            problem(sheet_name, 1, str(header[i]), N_("unknown column %(column)s"), column=str(header[i]))
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or _text(v) == "" for v in values):
            continue
        yield number, {name: value for name, value in zip(names, values, strict=False) if name in known}
