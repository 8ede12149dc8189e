"""The caller's pages: next case, the number shown only to its holder, outcomes, the interview as JSON."""

from __future__ import annotations

from sqlalchemy import func, select

from survey.models import AuditEvent, Interview
from survey.services import lifecycle, questionnaires, rounds

from ..conftest import make_user
from ..services.test_fieldwork import complete_answers
from ..services.test_rounds import frame  # noqa: F401

ALL_DAY = {"windows": [["00:00", "24:00"]]}


def fielding_round(frame, design: dict | None = None):  # noqa: F811
    coordinator = make_user("coordinator")
    design = design or {"strata": ["region"], "target": 60, "completion_rate": 0.5}
    round_ = rounds.create_round("第一轮", frame.id, design,
                                 by=coordinator, questionnaire_id=questionnaires.list_questionnaires()[0].id)
    rounds.draw(round_.id, seed=3)
    lifecycle.change_status(round_.id, "fielding", by=coordinator)
    round_.call_rules = ALL_DAY
    return round_


def test_a_caller_takes_a_case_sees_the_number_only_on_request_and_records_the_call(as_role, db, frame):  # noqa: F811
    round_ = fielding_round(frame)
    caller = as_role("caller")
    home = caller.get("/calls/").get_data(as_text=True)
    assert round_.name in home and "/calls/next" in home
    claimed = caller.post("/calls/next", data={"round_id": round_.id})
    assert claimed.status_code == 302 and "/calls/case/" in claimed.headers["Location"]
    case_id = int(claimed.headers["Location"].rsplit("/", 1)[1])
    page = caller.get(claimed.headers["Location"]).get_data(as_text=True)
    assert "****" in page and "|" not in page.split("<h1>")[1].split("</h1>")[0]  # the stratum by its name
    revealed = caller.post(f"/calls/case/{case_id}/phone").get_json()["phone"]
    assert revealed not in page and revealed.isdigit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "case.phone_revealed")) == 1
    other = as_role("caller")
    assert other.post(f"/calls/case/{case_id}/phone").status_code == 409
    assert other.get(f"/calls/case/{case_id}").status_code == 302  # not theirs: back to their page
    done = caller.post(f"/calls/case/{case_id}/outcome", data={"outcome": "no_answer"}, follow_redirects=True)
    assert "无人接听" in done.get_data(as_text=True) or "No answer" in done.get_data(as_text=True)


def test_an_interview_is_submitted_as_json_once(as_role, db, frame):  # noqa: F811
    round_ = fielding_round(frame)
    caller = as_role("caller")
    case_id = int(caller.post("/calls/next", data={"round_id": round_.id}).headers["Location"].rsplit("/", 1)[1])
    page = caller.get(f"/calls/case/{case_id}/interview").get_data(as_text=True)
    assert 'data-key="' in page and "<kbd>0</kbd>" in page
    body = {"idempotency_key": "x" * 32, "answers": complete_answers(), "outcome": "complete"}
    first = caller.post(f"/calls/case/{case_id}/interview", json=body)
    assert first.status_code == 201 and first.get_json()["final_code"] == "1.1"
    second = caller.post(f"/calls/case/{case_id}/interview", json=body)
    assert second.status_code == 200 and second.get_json()["interview"] == first.get_json()["interview"]
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 1


def test_a_bad_submission_is_refused_naming_the_field_and_nothing_is_stored(as_role, db, frame):  # noqa: F811
    round_ = fielding_round(frame)
    caller = as_role("caller")
    case_id = int(caller.post("/calls/next", data={"round_id": round_.id}).headers["Location"].rsplit("/", 1)[1])
    bad = caller.post(f"/calls/case/{case_id}/interview",
                      json={"idempotency_key": "y" * 32, "answers": {**complete_answers(), "S1": "forty"}})
    assert bad.status_code == 422 and bad.get_json()["details"][0]["field"] == "S1"
    assert caller.post(f"/calls/case/{case_id}/interview", data="not json").status_code == 400
    other = as_role("caller")
    stolen = other.post(f"/calls/case/{case_id}/interview", json={"idempotency_key": "z" * 32,
                                                                 "answers": complete_answers()})
    assert stolen.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 0


def test_the_coordinator_sets_the_call_rules_and_bad_ones_are_explained(as_role, db, frame):  # noqa: F811
    round_ = fielding_round(frame)
    coordinator = as_role("coordinator")
    form = {"windows": "09:00-12:00, 18:00-21:00", "max_attempts": "5", "claim_minutes": "15",
            "refusal_conversion": "1", "delay_no_answer": "120", "delay_busy": "20", "delay_phone_off": "240",
            "delay_soft_refusal": "10080"}
    coordinator.post(f"/rounds/{round_.id}/call-rules", data=form)
    assert round_.call_rules["windows"] == [["09:00", "12:00"], ["18:00", "21:00"]]
    assert round_.call_rules["max_attempts"] == 5 and round_.call_rules["delays"]["no_answer"] == 120
    page = coordinator.post(f"/rounds/{round_.id}/call-rules", data={**form, "windows": "21:00-18:00"},
                            follow_redirects=True).get_data(as_text=True)
    assert "结束时间必须晚于开始时间" in page and round_.call_rules["windows"][0] == ["09:00", "12:00"]
    page = coordinator.post(f"/rounds/{round_.id}/call-rules", data={**form, "max_attempts": "many"},
                            follow_redirects=True).get_data(as_text=True)
    assert "整数" in page and round_.call_rules["max_attempts"] == 5
