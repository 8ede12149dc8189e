"""Questionnaire versions in the database: drafts, freezing, new versions, files, and the demo seed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from survey.errors import InvalidState, ValidationError
from survey.instrument import Condition, Instrument, Option, Question, from_xlsx, to_xlsx
from survey.models import AuditEvent, Questionnaire
from survey.services import questionnaires
from survey.services.demo import load_demo

from ..conftest import make_user


@pytest.fixture
def demo_questionnaire(db) -> Questionnaire:
    load_demo()  # from the seed files: the city, then the default questionnaire, frozen
    (questionnaire,) = questionnaires.list_questionnaires()
    return questionnaire


def test_the_demo_questionnaire_is_loaded_frozen_and_clean(demo_questionnaire):
    assert demo_questionnaire.frozen and demo_questionnaire.version == 1
    assert len(demo_questionnaire.questions) == 28
    assert questionnaires.problems(demo_questionnaire) == []
    load_demo()
    assert len(questionnaires.list_questionnaires()) == 1  # loading again changes nothing


def test_the_document_survives_the_database(demo_questionnaire):
    instrument = questionnaires.document(demo_questionnaire)
    copy = questionnaires.create(instrument, by=None)
    assert copy.version == 2 and copy.parent_id == demo_questionnaire.id and not copy.frozen
    assert questionnaires.document(copy) == instrument


def test_a_frozen_version_is_never_edited(demo_questionnaire):
    with pytest.raises(InvalidState, match="frozen: start a new version"):
        questionnaires.edit(demo_questionnaire.id, lambda doc: None, by=None)


def test_a_draft_is_built_question_by_question(db):
    load_demo()
    coordinator = make_user("coordinator")
    draft = questionnaires.create(Instrument("新问卷"), by=coordinator)
    scale = questionnaires.scale_options("five_point")

    def add(doc):
        doc.questions.append(Question("public_security", "scale", "您对社会治安满意吗？", "Public security?",
                                      indicator="public_security", scale="five_point", options=scale))
        doc.questions.append(Question("why", "text", "为什么？", "Why?", required=False,
                                      condition=Condition("public_security", ["dissatisfied"])))

    questionnaires.edit(draft.id, add, by=coordinator)
    assert [q.code for q in draft.questions] == ["public_security", "why"]
    assert draft.questions[0].indicator.code == "public_security"
    assert [o.score for o in draft.questions[0].options] == [100, 80, 60, 40, 0, None]
    assert questionnaires.problems(draft) == []
    questionnaires.freeze(draft.id, by=coordinator)
    assert draft.frozen and draft.frozen_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire.frozen",
                                                       AuditEvent.target_id == str(draft.id)))
    assert event.actor == coordinator.username


def test_a_draft_with_errors_cannot_be_frozen(db):
    load_demo()
    draft = questionnaires.create(Instrument("坏问卷"), by=None)
    questionnaires.edit(draft.id, lambda doc: doc.questions.append(
        Question("q1", "scale", "满意吗？", "Satisfied?", indicator="public_security",
                 options=[Option("a", "满意", "Satisfied", score=None)])), by=None)
    with pytest.raises(ValidationError) as raised:
        questionnaires.freeze(draft.id, by=None)
    messages = [d["message"] for d in raised.value.details]
    assert "scale option a has no score" in messages
    assert not draft.frozen


def test_xlsx_export_edit_import_gives_a_new_version_and_a_diff(demo_questionnaire):
    instrument = from_xlsx(questionnaires.export_xlsx(demo_questionnaire))
    instrument.question("healthcare").text_zh = "您对看病就医满意吗？"
    imported = questionnaires.import_file("edited.xlsx", to_xlsx(instrument), by=None)
    assert imported.version == 2 and imported.name == demo_questionnaire.name
    changes, comparable = questionnaires.compare(demo_questionnaire.id, imported.id)
    assert [c.message for c in changes] == ["healthcare: Chinese text changed"]
    assert comparable["healthcare"] is False and comparable["public_security"] is True


def test_json_import_and_export_round_trip(demo_questionnaire):
    text = questionnaires.export_json(demo_questionnaire)
    again = questionnaires.import_file("q.json", text.encode(), by=None)
    assert questionnaires.document(again) == questionnaires.document(demo_questionnaire)


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("q.csv", b"a,b", "choose a .json or .xlsx"),
    ("q.json", b"{not json", "not a readable JSON file"),
    ("q.json", json.dumps({"name": "x", "questions": [{"code": "a", "type": "essay"}]}).encode(),
     "unknown question type essay"),
    ("q.xlsx", b"PK\x03\x04 not really", "not an Excel workbook"),
])
def test_bad_files_are_refused_with_a_reason_and_nothing_is_saved(db, filename, data, message):
    load_demo()
    before = len(questionnaires.list_questionnaires())
    with pytest.raises(ValidationError, match=message):
        questionnaires.import_file(filename, data, by=None)
    assert len(questionnaires.list_questionnaires()) == before


def test_a_draft_used_by_no_round_can_be_deleted_a_frozen_one_not(demo_questionnaire):
    draft = questionnaires.new_version(demo_questionnaire.id, by=None)
    questionnaires.delete_draft(draft.id, by=None)
    assert questionnaires.list_questionnaires() == [demo_questionnaire]
    with pytest.raises(InvalidState):
        questionnaires.delete_draft(demo_questionnaire.id, by=None)


def test_text_longer_than_its_field_is_refused_by_name(db):
    instrument = Instrument("长标题问卷", title_zh="长" * 201,
                            questions=[Question("q1", "text", "您有什么建议？", required=False)])
    with pytest.raises(ValidationError) as error:
        questionnaires.create(instrument, by=None)
    assert error.value.details == [{"field": "title_zh", "message": "at most 200 characters"}]
