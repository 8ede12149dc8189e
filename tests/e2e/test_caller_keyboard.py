"""A caller completes an interview with the keyboard only, in a real browser against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Interview, Question

from ..conftest import PASSWORD, make_fielding_round, make_user
from .conftest import log_in, shot

pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def caller_name(committed_app, tmp_path_factory) -> str:
    with committed_app.app_context():
        make_fielding_round(Path(tmp_path_factory.mktemp("frame")), "键盘轮", people=1000, seed=1,
                            design={"strata": ["region"], "target": 30, "completion_rate": 0.5})
        name = make_user("caller").username
        db.session.commit()
        return name


def test_an_interview_with_the_keyboard_only(committed_app, live_server, page, caller_name):
    log_in(page, live_server, caller_name, PASSWORD)
    page.goto(f"{live_server}/calls/")
    expect(page.locator("#next-form button[type=submit]")).to_be_focused()  # autofocus lands a moment after load
    page.keyboard.press("Enter")  # the focused "next case" button
    page.wait_for_url("**/calls/case/*")
    page.keyboard.press("p")  # show the number (audited)
    expect(page.locator("#phone")).not_to_contain_text("*")  # (not wait_for_function: the CSP forbids eval)
    page.keyboard.press("s")
    page.wait_for_url("**/interview")
    shot(page, "caller-interview-start")
    page.keyboard.type("38")
    page.keyboard.press("Enter")  # S1 age
    page.keyboard.press("1")  # S2 resident: yes
    for i in range(12):  # the twelve indicators
        if i == 1:
            page.keyboard.press("5")  # 不满意 → the "why?" question follows
            page.keyboard.type("看病排队时间太长")  # typed text (an IME commits text the same way)
            page.keyboard.press("Enter")
        elif i == 3:
            page.keyboard.press("0")  # don't know
        else:
            page.keyboard.press("2")
    page.keyboard.press("Backspace")  # back to the last indicator …
    page.keyboard.press("1")  # … and change the answer
    page.keyboard.press("Enter")  # the closing open question, left empty
    page.keyboard.press("2")  # a call-back about the complaint? no
    shot(page, "caller-interview-end")
    page.keyboard.press("Enter")  # save
    page.wait_for_url("**/calls/")
    assert page.console_errors == []

    with committed_app.app_context():
        interview = db.session.scalars(select(Interview)).one()
        assert interview.final_code == "1.1" and interview.paradata["back_edits"] == 1
        answers = {code: (a.option_id, a.text, a.number) for a, code in db.session.execute(
            select(Answer, Question.code).join(Question, Answer.question_id == Question.id)
            .where(Answer.interview_id == interview.id)).all()}
        assert answers["S1"][2] == 38
        assert answers["healthcare_why"][1] == "看病排队时间太长"
        assert len(answers) == 16  # 2 screening + 12 indicators + 1 why + consent to a call-back
        payload = interview.payload["answers"]
        assert payload["healthcare"] == "dissatisfied" and payload["schooling"] == "fairly_satisfied"
        assert payload["environment"] == "dont_know" and payload["officials_conduct"] == "satisfied"
        assert payload["recontact"] == "no"
