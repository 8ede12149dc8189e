"""A department liaison rectifies an issue and a verifier records a check, in a real browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.extensions import db
from survey.issues.workflow import Change
from survey.models import Department, Issue, Verification

from ..conftest import PASSWORD, make_fielding_round, make_user
from ..services.test_fieldwork import complete_answers
from .conftest import log_in, shot

pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def loop(committed_app, tmp_path_factory) -> dict:
    """A round with three processed interviews, each with a complaint; the first issue assigned."""
    from survey.services import fieldwork, interviews, issues, verification

    with committed_app.app_context():
        round_id = make_fielding_round(Path(tmp_path_factory.mktemp("frame")), "闭环轮", people=1000, seed=2,
                                       design={"strata": ["region"], "target": 30, "completion_rate": 0.5})
        now = datetime.now(UTC) - timedelta(minutes=30)
        for n in range(3):
            caller = make_user("caller")
            case = fieldwork.claim_next(round_id, caller, now=now)
            answers = {**complete_answers(), "healthcare": "dissatisfied", "healthcare_why": "人民医院挂号排队太久",
                       "recontact": "no"}
            stored = fieldwork.submit_interview(case.id, caller, {"idempotency_key": f"e2e{n:029d}",
                                                                  "answers": answers}, now=now).interview
            interviews.process(stored.id)
        coordinator = make_user("coordinator")
        issue = db.session.scalars(select(Issue).order_by(Issue.id)).first()
        issues.move(issue.id, "assigned", by=coordinator,
                    change=Change(department_id=issue.department_id, urgency="normal"))
        verification.select_interviews(round_id, by=coordinator, seed=1, floor=0.1, new_floor=1.0)
        liaison = make_user("department", department=db.session.get(Department, issue.department_id).code)
        verifier = make_user("verifier")
        db.session.commit()
        return {"issue": issue.id, "liaison": liaison.username, "verifier": verifier.username}


def test_a_liaison_rectifies_an_issue_with_evidence_and_a_photo(committed_app, live_server, page, loop, tmp_path):
    log_in(page, live_server, loop["liaison"], PASSWORD)
    expect(page.locator("#issues")).to_contain_text("人民医院挂号排队太久")  # lands on its own issues
    page.locator(f"#issues a[href='/issues/{loop['issue']}']").click()
    page.wait_for_url(f"**/issues/{loop['issue']}")
    photo = tmp_path / "现场.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n fake")
    page.fill("#evidence", "增开两个挂号窗口，推行分时段预约")
    page.set_input_files("#attachments", str(photo))
    shot(page, "liaison-rectifies")
    page.locator("form:has(input[value=rectified]) button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("已回访")  # no consent to a call-back: straight to review
    expect(page.locator("main")).to_contain_text("现场.png")
    assert page.console_errors == []
    with committed_app.app_context():
        issue = db.session.get(Issue, loop["issue"])
        assert issue.status == "reviewed" and issue.evidence.startswith("增开两个挂号窗口")


def test_a_verifier_re_asks_the_anchors_and_records_the_outcome(committed_app, live_server, page, loop):
    log_in(page, live_server, loop["verifier"], PASSWORD)
    page.goto(f"{live_server}/verification/")
    page.locator("#tasks a.button").first.click()
    page.wait_for_url("**/verification/*")
    page.locator("#reveal").click()
    expect(page.locator("#phone")).not_to_contain_text("隐藏")
    for question in page.locator(".cati-question").all():
        radio = question.locator("input[type=radio]")
        if radio.count():
            radio.first.check()
        else:
            question.locator("input[type=text]").fill("40")
    page.locator("input[name=outcome][value=confirmed]").check()
    shot(page, "verifier-records")
    page.locator("form button[type=submit]:has-text('记录核查结果')").click()
    page.wait_for_url("**/verification/")
    expect(page.locator(".flash")).to_contain_text("核查结果已记录")
    assert page.console_errors == []
    with committed_app.app_context():
        done = db.session.scalars(select(Verification).where(Verification.status == "done")).all()
        assert len(done) == 1 and done[0].outcome == "confirmed" and done[0].reasked
