"""Questionnaire documents: checks with clear messages, version diffs, comparability, JSON and XLSX forms."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from survey.errors import ValidationError
from survey.instrument import (
    Condition,
    Instrument,
    Option,
    Question,
    check,
    comparability,
    diff,
    from_dict,
    from_xlsx,
    to_dict,
    to_xlsx,
)

SEEDS = Path(__file__).parents[2] / "seeds"
DEMO = json.loads((SEEDS / "demo_questionnaire.json").read_text(encoding="utf-8"))
INDICATORS = [i["code"] for i in json.loads((SEEDS / "demo_city.json").read_text(encoding="utf-8"))["indicators"]]


def demo() -> Instrument:
    return from_dict(copy.deepcopy(DEMO))


def errors(instrument: Instrument) -> list[str]:
    return [p.message for p in check(instrument, indicators=INDICATORS) if p.level == "error"]


def warnings(instrument: Instrument) -> list[str]:
    return [p.message for p in check(instrument, indicators=INDICATORS) if p.level == "warning"]


def five_point() -> list[Option]:
    return copy.deepcopy(demo().question("public_security").options)


def test_the_demo_questionnaire_is_the_default_instrument_and_has_no_problems():
    instrument = demo()
    assert check(instrument, indicators=INDICATORS) == []
    assert [q.code for q in instrument.questions[:2]] == ["S1", "S2"]
    assert sum(q.type == "scale" for q in instrument.questions) == 12
    why = instrument.question("healthcare_why")
    assert why.condition == Condition("healthcare", ["fairly_dissatisfied", "dissatisfied"])
    assert instrument.indicator_weights()["healthcare"] == pytest.approx(1 / 12)


def test_json_round_trip_is_lossless():
    assert from_dict(to_dict(demo())) == demo()


def test_xlsx_round_trip_is_lossless():
    instrument = demo()
    instrument.questions[2].weight = 0.2
    assert from_xlsx(to_xlsx(instrument)) == instrument


def test_an_edit_made_in_excel_reads_back():
    book = load_workbook(io.BytesIO(to_xlsx(demo())))
    questions = book["题目 Questions"]
    assert questions["A6"].value == "healthcare"
    questions["C6"] = "您对本地看病就医方面是否满意？"
    out = io.BytesIO()
    book.save(out)
    assert from_xlsx(out.getvalue()).question("healthcare").text_zh == "您对本地看病就医方面是否满意？"


def test_xlsx_problems_name_sheet_row_and_column():
    book = load_workbook(io.BytesIO(to_xlsx(demo())))
    book["选项 Options"]["E3"] = "eighty"
    book["选项 Options"]["A5"] = "no_such_question"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationError) as raised:
        from_xlsx(out.getvalue())
    details = raised.value.details
    assert {"sheet": "选项 Options", "row": 3, "field": "score"}.items() <= details[0].items()
    assert "eighty" in details[0]["message"]
    assert details[1]["row"] == 5 and "no_such_question" in details[1]["message"]


def test_a_file_that_is_not_a_workbook_is_a_clear_error():
    with pytest.raises(ValidationError, match="not an Excel workbook"):
        from_xlsx(b"name,code\n")


def test_a_json_file_with_wrong_types_lists_every_problem():
    data = copy.deepcopy(DEMO)
    data["questions"][0]["min_value"] = "zero"
    data["questions"][1]["colour"] = "red"
    with pytest.raises(ValidationError) as raised:
        from_dict(data)
    fields = [d["field"] for d in raised.value.details]
    assert fields == ["questions[1].min_value", "questions[2].colour"]


# --- each invalid questionnaire gets its message --------------------------------------------------

def test_duplicate_question_codes():
    instrument = demo()
    instrument.questions[3].code = "public_security"
    assert any("duplicate question code public_security (questions 3 and 4)" in m for m in errors(instrument))


def test_duplicate_option_codes():
    instrument = demo()
    instrument.questions[2].options[1].code = "satisfied"
    assert "duplicate option code satisfied" in errors(instrument)


def test_a_scale_without_scores():
    instrument = demo()
    for option in instrument.questions[2].options:
        option.score = None
    assert "scale option satisfied has no score" in errors(instrument)
    assert "a scale needs at least two scored answers" not in errors(instrument)  # DK has none anyway


def test_dont_know_with_a_score():
    instrument = demo()
    instrument.questions[2].options[-1].score = 0
    assert "\"don't know\" (dont_know) cannot have a score" in errors(instrument)


def test_a_condition_on_a_later_question():
    instrument = demo()
    instrument.questions[3].condition = Condition("fix", ["x"])
    messages = errors(instrument)
    assert "the condition refers to fix, which comes later" in messages


def test_a_condition_on_an_unknown_question_or_answer():
    instrument = demo()
    instrument.questions[3].condition = Condition("nope", ["dissatisfied"])
    instrument.questions[5].condition = Condition("healthcare", ["furious"])
    messages = errors(instrument)
    assert "the condition refers to unknown question nope" in messages
    assert "the condition refers to answer furious, which healthcare does not have" in messages


def test_conditions_that_form_a_cycle():
    instrument = Instrument("c", questions=[
        Question("a", "single", "甲", "A", options=[Option("y", "是", "Yes"), Option("n", "否", "No")],
                 condition=Condition("b", ["y"])),
        Question("b", "single", "乙", "B", options=[Option("y", "是", "Yes"), Option("n", "否", "No")],
                 condition=Condition("a", ["y"])),
    ])
    messages = errors(instrument)
    assert "conditions form a cycle: a → b → a" in messages
    assert "the condition refers to b, which comes later" in messages


def test_a_condition_on_itself_is_a_cycle():
    instrument = demo()
    instrument.questions[3].condition = Condition(instrument.questions[3].code, ["x"])
    assert "the condition refers to the question itself (a cycle)" in errors(instrument)


def test_empty_options():
    instrument = demo()
    instrument.questions[1].options = []
    assert "the question has no options" in errors(instrument)


def test_missing_translations_are_warnings_not_errors():
    instrument = demo()
    instrument.questions[2].text_en = ""
    instrument.questions[2].options[0].label_en = ""
    assert errors(instrument) == []
    assert warnings(instrument) == ["no English text", "option satisfied has no English label"]


def test_unknown_indicator_and_weights_that_do_not_add_up():
    instrument = demo()
    instrument.questions[2].indicator = "happiness"
    for q in instrument.questions:
        if q.type == "scale":
            q.weight = 0.1
    messages = errors(instrument)
    assert "unknown indicator happiness" in messages
    assert "indicator weights add up to 1.2, not 1" in messages


def test_a_screening_question_needs_an_answer_that_ends_the_interview():
    instrument = demo()
    instrument.questions[1].options[1].ineligible = False
    instrument.questions[0].eligible_min = instrument.questions[0].eligible_max = None
    messages = errors(instrument)
    assert "a screening question needs at least one answer that ends the interview" in messages
    assert "a screening number question needs an eligible range" in messages


# --- versions ---------------------------------------------------------------------------------------

def test_diff_is_readable():
    old, new = demo(), demo()
    new.questions[2].text_zh = "您对本地治安状况满意吗？"
    new.questions[4].options[2].score = 50
    new.questions.append(Question("extra", "text", "其他？", "Anything else?"))
    del new.questions[5]
    messages = [c.message for c in diff(old, new)]
    assert messages == [
        "public_security: Chinese text changed",
        "healthcare: answer neutral, score changed",
        "question extra added",
        "question healthcare_why removed",
    ]


def test_diff_records_before_and_after():
    old, new = demo(), demo()
    new.questions[2].options[1].score = 85
    (change,) = diff(old, new)
    assert (change.before, change.after) == ("80", "85")


def test_moving_a_question_is_reported_once():
    old, new = demo(), demo()
    new.questions.insert(0, new.questions.pop(-1))
    moved = [c.message for c in diff(old, new) if c.kind == "moved"]
    assert moved == ["question recontact moved from position 28 to 1"]


def test_comparability_follows_what_respondents_hear():
    old = demo()
    new = demo()
    new.questions[2].text_zh = "您对本地治安状况满意吗？"  # wording heard → not comparable
    new.questions[4].text_en = "Healthcare, how satisfied?"  # English only → comparable
    new.questions[6].options[2].score = 50  # scoring → not comparable
    new.questions[8].weight = 0.2  # weight: the composite changes, the indicator does not
    result = comparability(old, new)
    codes = [q.indicator for q in new.questions if q.type == "scale"]
    assert result[codes[0]] is False
    assert result[codes[1]] is True
    assert result[codes[2]] is False
    assert result[codes[3]] is True
    assert sum(result.values()) == 10


def test_a_new_indicator_is_not_comparable():
    old, new = demo(), demo()
    new.questions.append(Question("new_one", "scale", "新指标？", "New?", indicator="new_one", options=five_point()))
    assert comparability(old, new)["new_one"] is False
