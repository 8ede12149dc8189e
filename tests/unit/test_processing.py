"""What processing makes of an interview: scores, complaint texts and quality signals (pure)."""

from __future__ import annotations

from survey.fieldwork.processing import process

from .test_instrument import demo


def answers(**overrides):
    base = {"S1": 40, "S2": "yes"}
    for i, q in enumerate(q for q in demo().questions if q.type == "scale"):
        base[q.code] = ["satisfied", "fairly_satisfied", "neutral"][i % 3]
    return {**base, **overrides}


def test_scores_and_satisfaction_per_indicator_with_dont_know_as_none():
    result = process(demo(), answers(healthcare="dont_know", schooling="dissatisfied"))
    assert result.scores["public_security"] == 100 and result.satisfied["public_security"] == 1
    assert result.scores["schooling"] == 0 and result.satisfied["schooling"] == 0
    assert result.scores["healthcare"] is None and result.satisfied["healthcare"] is None


def test_open_answers_become_complaints_tied_to_their_indicator():
    result = process(demo(), answers(schooling="dissatisfied", schooling_why="  学校门口太乱 ", fix="多修路"))
    assert result.complaints == [("schooling_why", "schooling", "学校门口太乱", "why"), ("fix", None, "多修路", "open")]


def test_a_too_short_interview_is_flagged():
    applicable = [q.code for q in demo().questions if q.type == "scale"]
    assert "short_interview" in process(demo(), answers(), duration_seconds=20, applicable=applicable).signals
    assert process(demo(), answers(), duration_seconds=120, applicable=applicable).signals == {}


def test_straight_lining_and_many_dont_know_are_flagged():
    same = {q.code: "satisfied" for q in demo().questions if q.type == "scale"}
    assert process(demo(), answers(**same)).signals == {"straight_lining": 12.0}
    unknown = {q.code: "dont_know" for q in demo().questions if q.type == "scale"}
    assert process(demo(), answers(**unknown)).signals["many_dont_know"] == 1.0
