"""The questionnaire builder and the round lifecycle, through the coordinator's pages."""

from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook
from sqlalchemy import select

from survey.models import Questionnaire
from survey.services import frames, questionnaires, rounds
from survey.services.demo import load_demo
from survey.services.synthetic import write_synthetic_csv

FIVE_POINT = [("satisfied", "满意", "Satisfied", "100", True, False),
              ("fairly_satisfied", "比较满意", "Fairly satisfied", "80", True, False),
              ("neutral", "一般", "Neutral", "60", False, False),
              ("fairly_dissatisfied", "不太满意", "Fairly dissatisfied", "40", False, False),
              ("dissatisfied", "不满意", "Dissatisfied", "0", False, False),
              ("dont_know", "不了解", "Don't know", "", False, True)]


def options_form(rows) -> dict:
    form = {"option_rows": str(len(rows) + 1)}
    for i, (code, zh, en, score, satisfied, dont_know) in enumerate(rows):
        form |= {f"option-{i}-code": code, f"option-{i}-label_zh": zh, f"option-{i}-label_en": en,
                 f"option-{i}-score": score}
        if satisfied:
            form[f"option-{i}-satisfied"] = "1"
        if dont_know:
            form[f"option-{i}-dont_know"] = "1"
        else:
            form[f"option-{i}-read_aloud"] = "1"
    return form


def add_question(client, questionnaire_id: int, form: dict):
    response = client.post(f"/questionnaires/{questionnaire_id}/questions/new", data={"required": "1", **form})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def test_a_questionnaire_is_built_from_scratch_frozen_exported_edited_reimported_and_compared(as_role, db):
    load_demo()
    coordinator = as_role("coordinator")
    created = coordinator.post("/questionnaires/new", data={"name": "手工问卷", "title_zh": "满意度调查",
                                                           "title_en": "Satisfaction survey"})
    assert created.status_code == 302
    qid = int(created.headers["Location"].rsplit("/", 1)[1])
    add_question(coordinator, qid, {"code": "S1", "type": "number", "text_zh": "您多大年龄？", "text_en": "Age?",
                                    "screening": "1", "min_value": "0", "max_value": "120", "eligible_min": "18",
                                    "eligible_max": "65", "option_rows": "0"})
    add_question(coordinator, qid, {"code": "S2", "type": "single", "text_zh": "您在本市住满一年了吗？",
                                    "text_en": "Lived here a year?", "screening": "1", "option_rows": "3",
                                    "option-0-code": "yes", "option-0-label_zh": "是", "option-0-label_en": "Yes",
                                    "option-1-code": "no", "option-1-label_zh": "否", "option-1-label_en": "No",
                                    "option-1-ineligible": "1"})
    add_question(coordinator, qid, {"code": "public_security", "type": "scale", "text_zh": "您对社会治安满意吗？",
                                    "text_en": "Public security?", "indicator": "public_security",
                                    "scale": "five_point", **options_form(FIVE_POINT)})
    add_question(coordinator, qid, {"code": "public_security_why", "type": "text", "text_zh": "为什么不满意？",
                                    "text_en": "Why?", "option_rows": "0",
                                    "condition": ["public_security:fairly_dissatisfied",
                                                  "public_security:dissatisfied"]})
    page = coordinator.get(f"/questionnaires/{qid}").get_data(as_text=True)
    assert "public_security = 不太满意 / 不满意" in page
    assert coordinator.post(f"/questionnaires/{qid}/freeze").status_code == 302
    questionnaire = db.session.get(Questionnaire, qid)
    assert questionnaire.frozen and questionnaires.problems(questionnaire) == []

    preview = coordinator.get(f"/questionnaires/{qid}/preview").get_data(as_text=True)
    assert "您对社会治安满意吗？" in preview and "<kbd>0</kbd>" in preview  # don't know on key 0
    assert "不了解" in preview and 'class="not-read"' in preview

    workbook = coordinator.get(f"/questionnaires/{qid}/export.xlsx")
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.data))
    book["题目 Questions"]["C4"] = "您对本地社会治安状况满意吗？"
    edited = io.BytesIO()
    book.save(edited)
    imported = coordinator.post("/questionnaires/import", data={"file": (io.BytesIO(edited.getvalue()), "q.xlsx")},
                                content_type="multipart/form-data")
    assert imported.status_code == 302
    v2 = db.session.scalar(select(Questionnaire).where(Questionnaire.name == "手工问卷", Questionnaire.version == 2))
    assert v2 is not None and not v2.frozen
    compare = coordinator.get(f"/questionnaires/{v2.id}/compare").get_data(as_text=True)
    assert "您对社会治安满意吗？" in compare and "您对本地社会治安状况满意吗？" in compare
    assert "not comparable" in compare or "不可比" in compare


def test_a_bad_score_is_named_and_nothing_is_saved(as_role, db):
    load_demo()
    coordinator = as_role("coordinator")
    draft = questionnaires.create(questionnaires.document(questionnaires.list_questionnaires()[0]), by=None)
    before = questionnaires.export_json(draft)
    rows = [list(r) for r in FIVE_POINT]
    rows[1][3] = "八十"
    response = coordinator.post(f"/questionnaires/{draft.id}/questions/new", data={
        "code": "extra", "type": "scale", "text_zh": "新题？", "indicator": "healthcare", **options_form(rows)})
    assert response.status_code == 422
    assert "option-1-score" in response.get_data(as_text=True) and "八十" in response.get_data(as_text=True)
    assert questionnaires.export_json(draft) == before


def test_an_imported_questionnaire_with_problems_lists_each_on_its_page(as_role, db):
    load_demo()
    coordinator = as_role("coordinator")
    data = json.loads(questionnaires.export_json(questionnaires.list_questionnaires()[0]))
    data["name"] = "有问题的问卷"
    data["questions"][4]["options"][0].pop("score")  # a scale answer without a score
    data["questions"][5]["condition"]["question"] = "fix"  # refers to a later question
    data["questions"][6]["options"] = []  # empty options
    data["questions"][8]["text_en"] = ""  # missing translation
    response = coordinator.post("/questionnaires/import", data={
        "file": (io.BytesIO(json.dumps(data, ensure_ascii=False).encode()), "q.json")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    for expected in ("没有分值", "在后面", "没有选项", "没有英文"):
        assert expected in page, expected
    assert re.search(r"<button type=\"submit\" disabled", page)  # cannot be frozen


def test_a_file_with_two_questions_of_one_code_is_refused_whole(as_role, db):
    load_demo()
    coordinator = as_role("coordinator")
    data = json.loads(questionnaires.export_json(questionnaires.list_questionnaires()[0]))
    data["questions"][3]["code"] = "public_security"
    response = coordinator.post("/questionnaires/import", data={
        "file": (io.BytesIO(json.dumps(data, ensure_ascii=False).encode()), "q.json")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "重复的题目代码 public_security（第 3 题和第 4 题）" in page and "未保存任何内容" in page
    assert len(questionnaires.list_questionnaires()) == 1


def test_the_round_page_refuses_illegal_transitions_with_the_reason(as_role, db, tmp_path):
    load_demo()
    coordinator = as_role("coordinator")
    frame = frames.create_frame("小样本框")
    write_synthetic_csv(tmp_path / "f.csv", people=3000, seed=2)
    frames.import_file(frame.id, tmp_path / "f.csv", {"phone": "手机号码", "region": "区县", "urban": "城乡",
                                                      "sex": "性别", "age": "年龄"})
    round_ = rounds.create_round("第一轮", frame.id, {"strata": ["region"], "target": 300, "completion_rate": 0.3})
    response = coordinator.post(f"/rounds/{round_.id}/status", data={"to": "fielding"}, follow_redirects=True)
    assert "不能" in response.get_data(as_text=True)  # 草稿 cannot go to fielding
    rounds.draw(round_.id, seed=1)
    page = coordinator.post(f"/rounds/{round_.id}/status", data={"to": "fielding"},
                            follow_redirects=True).get_data(as_text=True)
    assert "没有问卷" in page
    demo = questionnaires.list_questionnaires()[0]
    coordinator.post(f"/rounds/{round_.id}/questionnaire", data={"questionnaire_id": demo.id})
    page = coordinator.post(f"/rounds/{round_.id}/status", data={"to": "fielding"},
                            follow_redirects=True).get_data(as_text=True)
    assert round_.status == "fielding"
    coordinator.post(f"/rounds/{round_.id}/status", data={"to": "closed"})
    page = coordinator.post(f"/rounds/{round_.id}/status", data={"to": "fielding", "reason": ""},
                            follow_redirects=True).get_data(as_text=True)
    assert round_.status == "closed" and "原因" in page
    coordinator.post(f"/rounds/{round_.id}/status", data={"to": "fielding", "reason": "补充访问"})
    page = coordinator.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert round_.status == "fielding" and "补充访问" in page
    copy = coordinator.post(f"/rounds/{round_.id}/copy", data={"name": "第二轮"})
    assert copy.status_code == 302
    listing = coordinator.get("/rounds/").get_data(as_text=True)
    assert "第二轮" in listing and demo.label in listing
