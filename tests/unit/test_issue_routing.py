"""Keyword routing: rules as data, first fitting rule wins, fallbacks to the indicator, safety-first urgency."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.errors import ValidationError
from survey.issues.routing import DEFAULT_RULES, KeywordRule, Routing, matches, parse_keywords, route
from survey.issues.text import normalise, tokens

CITY = json.loads((Path(__file__).resolve().parents[2] / "seeds" / "demo_city.json").read_text("utf-8"))
DEPARTMENTS = {department["code"] for department in CITY["departments"]}
INDICATORS = {indicator["code"]: indicator["department"] for indicator in CITY["indicators"]}


def routed(text: str, indicator: str | None = None, rules=DEFAULT_RULES) -> Routing:
    return route(text, indicator, rules, indicator_department=INDICATORS.get(indicator))


# parse_keywords ---------------------------------------------------------------------------------------------

def test_keywords_are_split_on_any_comma_list_mark_semicolon_or_space():
    typed = "路灯, 灯不亮，照明、太黑;  夜里；没灯\t黑"
    assert parse_keywords(typed) == ("路灯", "灯不亮", "照明", "太黑", "夜里", "没灯", "黑")


def test_keywords_are_normalised_and_deduplicated_keeping_the_first():
    assert parse_keywords("ＷｉＦｉ，路灯，wifi、路灯") == ("WiFi", "路灯")


@pytest.mark.parametrize(("typed", "message"), [
    ("", "at least one keyword"),
    (" ，、；; ", "at least one keyword"),
    ("路灯，" + "很长" * 11, "at most 20 characters"),
    ("路灯 的", "too common a word"),
])
def test_bad_keywords_are_explained(typed, message):
    with pytest.raises(ValidationError, match=message) as caught:
        parse_keywords(typed)
    assert caught.value.details[0]["field"] == "keywords"


def test_a_keyword_message_is_a_template_for_translation():
    with pytest.raises(ValidationError) as caught:
        parse_keywords("的")
    assert caught.value.template == "%(keyword)s is too common a word to route by"
    assert caught.value.params == {"keyword": "的"}


def test_twenty_characters_is_still_a_keyword():
    assert parse_keywords("路" * 20) == ("路" * 20,)


def test_a_rule_with_an_unknown_urgency_or_no_category_is_refused():
    with pytest.raises(ValidationError, match="unknown urgency"):
        KeywordRule(("路灯",), "路灯照明", "housing", "soon")
    with pytest.raises(ValidationError, match="needs a category"):
        KeywordRule(("路灯",), " ", "housing")


# route: the default rules --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "indicator", "category", "department"), [
    ("幸福路路灯坏了好几个月", "housing", "路灯照明", "housing"),
    ("人民医院挂号太难，排队要一上午", "healthcare", "看病难", "health"),
    ("孩子上学太远，入学难", "schooling", "入学难", "education"),
    ("早高峰建设路堵车严重", "transport", "交通拥堵", "public_security"),
    ("小区停车位太少，停车难", None, "停车难", "public_security"),
    ("晚上广场舞噪音太大", "environment", "噪音扰民", "ecology"),
    ("化工厂夜里偷排废气", "environment", "环境污染", "ecology"),
    ("垃圾没人清理，环境卫生差", "housing", "环境卫生", "housing"),
    ("找工作难，就业岗位少", "jobs_income", "就业", "human_resources"),
    ("工地拖欠工资半年了", "jobs_income", "欠薪", "human_resources"),
    ("低保办理太难", "social_security", "社会救助", "civil_affairs"),
    ("晚上没有巡逻，治安不好", "public_security", "治安巡逻", "public_security"),
    ("物业不作为，电梯老坏", "housing", "物业管理", "housing"),  # property management, not officials' conduct
    ("办个证跑好几趟，办事效率低", "gov_services", "办事效率", "admin_approval"),
    ("菜市场卖过期食品，食品安全没保障", "food_drug", "食品安全", "market_regulation"),
    ("村里修路修了一半就停了", None, "道路维修", "transport"),
    ("干部推诿扯皮", "officials_conduct", "干部作风", "discipline"),
    ("12345打不通", None, "热线服务", "hotline"),
])
def test_default_rules_route_typical_complaints(text, indicator, category, department):
    routing = routed(text, indicator)
    assert (routing.category, routing.department, routing.urgency) == (category, department, "normal")
    assert routing.matched


@pytest.mark.parametrize("text", ["燃气管道有安全隐患", "楼上漏水半个月没人管", "小区停水三天了", "经常停电",
                                  "天然气管道破了", "闻到煤气味"])
def test_gas_water_power_and_hazards_are_urgent(text):
    assert routed(text, "housing").urgency == "urgent"


def test_a_hazard_keeps_the_department_of_the_indicator():
    routing = routed("学校围墙有安全隐患", "schooling")
    assert (routing.category, routing.department, routing.urgency) == ("安全隐患", "education", "urgent")


def test_without_a_matching_rule_the_indicator_decides():
    assert routed("说不上来，就是不满意", "healthcare") == Routing("healthcare", "health", "normal", None, ())


def test_an_open_complaint_no_rule_matches_is_other_and_unassigned():
    assert routed("说不上来，就是不满意") == Routing("other", None, "normal", None, ())


def test_a_rule_without_a_department_leaves_the_indicators():
    assert routed("工作人员态度差", "gov_services") == \
        Routing("服务态度", "admin_approval", "normal", None, ("态度", "态度差"))
    assert routed("护士态度不好", "healthcare") == Routing("服务态度", "health", "normal", None, ("态度",))


def test_an_indicator_filter_limits_a_rule_to_that_indicators_complaints():
    assert routed("排队太久", "healthcare").category == "看病难"
    assert routed("排队太久", "gov_services").category == "办事效率"
    assert routed("排队太久").category == "other"


# route: matching and ordering -------------------------------------------------------------------------------

def test_a_keyword_matches_a_word_or_a_longer_word_containing_it():
    words, text = tokens("燃气管道老化"), normalise("燃气管道老化")
    assert words[0] == "燃气管"  # how jieba cuts it
    assert matches("燃气", words, text)
    assert matches("停车", tokens("停车难"), "停车难")


def test_a_keyword_never_matches_across_two_words():
    assert tokens("马路灯光太暗") == ["马路", "灯光", "太暗"]
    assert not matches("路灯", tokens("马路灯光太暗"), "马路灯光太暗")


def test_a_one_character_keyword_matches_only_that_word():
    assert not matches("水", tokens("服务水平太差"), "服务水平太差")
    assert matches("水", tokens("没有水"), "没有水")


def test_urgent_keywords_match_even_where_jieba_cuts_them_apart():
    assert tokens("闻到煤气味") == ["闻到", "煤", "气味"]
    assert routed("闻到煤气味", "housing").category == "燃气安全"


def test_a_keyword_jieba_splits_matches_as_text():
    assert tokens("老旧小区改造") != ["老旧小区改造"]
    assert matches("老旧小区改造", tokens("希望老旧小区改造快一点"), "希望老旧小区改造快一点")
    assert matches("12345", [], "打12345没人接")


def test_keywords_match_regardless_of_case_and_width():
    rules = [KeywordRule(("WiFi",), "网络", "hotline")]
    assert routed("公园的ｗｉｆｉ连不上", rules=rules).category == "网络"


def test_the_first_rule_by_position_then_id_decides_whatever_the_list_order():
    a = KeywordRule(("路灯",), "A", "housing", position=2, id=1)
    b = KeywordRule(("路灯",), "B", "transport", position=1, id=9)
    c = KeywordRule(("路灯",), "C", "transport", position=1, id=3)
    assert routed("路灯坏了", rules=[a, b, c]).category == "C"
    assert routed("路灯坏了", rules=[a, b, c]).rule_id == 3


@settings(max_examples=50, deadline=None)
@given(st.permutations(list(DEFAULT_RULES)), st.sampled_from(["物业不管楼上漏水", "人民医院门口停车难", "排队太久",
                                                             "学校周边网吧多", "菜价太贵还缺斤少两"]),
       st.sampled_from([None, "healthcare", "gov_services", "housing"]))
def test_routing_does_not_depend_on_the_order_rules_are_listed(shuffled, text, indicator):
    stored = [replace(rule, id=rule.position) for rule in DEFAULT_RULES]
    by_position = {rule.position: rule for rule in stored}
    assert routed(text, indicator, [by_position[rule.position] for rule in shuffled]) == routed(text, indicator, stored)


def test_an_urgent_keyword_makes_the_complaint_urgent_even_when_an_earlier_rule_routes_it():
    mine = KeywordRule(("物业",), "物业投诉", "housing", position=1, id=50)
    routing = routed("物业不管，楼上漏水", "housing", [mine, *DEFAULT_RULES])
    assert routing == Routing("物业投诉", "housing", "urgent", 50, ("物业", "漏水"))


def test_precomputed_tokens_are_used_as_given():
    assert routed("路灯坏了") == route("路灯坏了", None, DEFAULT_RULES, indicator_department=None,
                                    tokens=tokens("路灯坏了"))
    assert route("", None, DEFAULT_RULES, indicator_department=None, tokens=["路灯"]).category == "路灯照明"


# the default rules themselves -----------------------------------------------------------------------------------

def test_default_rules_use_the_demo_citys_departments_and_indicators():
    assert 20 <= len(DEFAULT_RULES) <= 40
    assert {rule.department for rule in DEFAULT_RULES} - {None} <= DEPARTMENTS
    assert {rule.indicator for rule in DEFAULT_RULES} - {None} <= set(INDICATORS)
    assert len({rule.position for rule in DEFAULT_RULES}) == len(DEFAULT_RULES)


def test_every_default_rule_decides_for_one_of_its_own_keywords():
    stored = [replace(rule, id=rule.position) for rule in DEFAULT_RULES]
    for rule in stored:
        winners = {route(kw, rule.indicator, stored, indicator_department=None).rule_id for kw in rule.keywords}
        assert rule.id in winners, f"{rule.category} {rule.keywords} is shadowed by earlier rules"


def test_default_keywords_are_valid_keywords():
    for rule in DEFAULT_RULES:
        assert parse_keywords(" ".join(rule.keywords)) == rule.keywords
