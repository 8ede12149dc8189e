"""The issue loop through its pages: coordinators route, departments rectify, callers call back,
verifiers check — each seeing only what is theirs."""

from __future__ import annotations

from sqlalchemy import func, select

from survey.models import AuditEvent, Callback, Case, Department, Interview, Issue, IssueRule, Stratum, Verification
from survey.services import fieldwork, interviews

from ..conftest import log_in, make_user
from ..services.test_fieldwork import EVENING, complete_answers
from ..services.test_rounds import frame  # noqa: F401
from .test_cati_pages import fielding_round

RESERVE = {"strata": ["region"], "target": 60, "completion_rate": 0.5, "replicates": 2, "reserve_replicates": 1}


def complaints(round_, texts: list[str], *, recontact: str = "yes") -> list[int]:
    """Processed interviews, one per text, each with a low healthcare rating and its "why?"."""
    made = []
    for n, text in enumerate(texts):
        caller = make_user("caller")
        case = fieldwork.claim_next(round_.id, caller, now=EVENING)
        answers = {**complete_answers(), "healthcare": "dissatisfied", "healthcare_why": text, "recontact": recontact}
        stored = fieldwork.submit_interview(case.id, caller, {"idempotency_key": f"{n:032d}", "answers": answers},
                                            now=EVENING).interview
        interviews.process(stored.id)
        made.append(stored.id)
    return made


def assigned_issue(app, db, frame):  # noqa: F811
    """A round with one complaint, assigned by a coordinator to the department its rules chose."""
    round_ = fielding_round(frame)
    complaints(round_, ["人民医院挂号排队太久了"])
    issue = db.session.scalar(select(Issue))
    coordinator = client_for(app, make_user("coordinator"))
    coordinator.post(f"/issues/{issue.id}/move", data={"to": "assigned", "department_id": issue.department_id,
                                                       "urgency": "normal"})
    return round_, issue, coordinator


def client_for(app, user):
    client = app.test_client()
    log_in(client, user)
    return client


def test_a_complaint_goes_round_the_loop_through_the_pages(app, db, frame):  # noqa: F811
    round_ = fielding_round(frame)
    complaints(round_, ["人民医院挂号排队太久了"])
    issue = db.session.scalar(select(Issue))
    coordinator = client_for(app, make_user("coordinator"))
    listing = coordinator.get(f"/issues/?round={round_.id}").get_data(as_text=True)
    assert "人民医院挂号排队太久了" in listing and f"/issues/{issue.id}" in listing
    page = coordinator.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert 'value="assigned"' in page and "人民医院" in page
    moved = coordinator.post(f"/issues/{issue.id}/move", data={"to": "assigned", "department_id": issue.department_id,
                                                               "urgency": "normal"})
    assert moved.status_code == 303
    db.session.refresh(issue)
    assert issue.status == "assigned" and issue.deadline is not None

    liaison = make_user("department", department=db.session.get(Department, issue.department_id).code)
    department = client_for(app, liaison)
    assert "人民医院挂号排队太久了" in department.get("/issues/").get_data(as_text=True)
    refused = department.post(f"/issues/{issue.id}/move", data={"to": "rectified", "evidence": ""},
                              follow_redirects=True)
    assert "evidence" in refused.get_data(as_text=True) or "证据" in refused.get_data(as_text=True)
    from io import BytesIO
    done = department.post(f"/issues/{issue.id}/move", content_type="multipart/form-data",
                           data={"to": "rectified", "evidence": "增开了两个挂号窗口",
                                 "attachments": (BytesIO(b"%PDF-1.4 fake"), "整改报告.pdf", "application/pdf")})
    assert done.status_code == 303
    db.session.refresh(issue)
    assert issue.status == "awaiting_callback"
    attachment = department.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "整改报告.pdf" in attachment

    callback = db.session.scalar(select(Callback))
    caller = client_for(app, make_user("caller"))
    queue = caller.get("/callbacks/").get_data(as_text=True)
    assert "人民医院挂号排队太久了" in queue
    shown = caller.get(f"/callbacks/{callback.id}").get_data(as_text=True)
    assert "****" in shown and "增开了两个挂号窗口" in shown
    clear = caller.post(f"/callbacks/{callback.id}/phone").get_json()["phone"]
    assert clear.isdigit() and clear not in shown
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "callback.phone_revealed")) == 1
    caller.post(f"/callbacks/{callback.id}", data={"solved": "yes", "satisfied": "yes"})
    db.session.refresh(issue)
    assert issue.status == "reviewed" and issue.callback_solved is True
    coordinator.post(f"/issues/{issue.id}/move", data={"to": "closed"})
    db.session.refresh(issue)
    assert issue.status == "closed"
    history = coordinator.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert history.count('class="when"') == 6  # new, assigned, rectified, awaiting call-back, reviewed, closed


def test_a_liaison_sees_only_its_own_departments_issues(app, db, frame):  # noqa: F811
    _round, issue, _coordinator = assigned_issue(app, db, frame)
    other = client_for(app, make_user("department", department="education"))
    assert "人民医院" not in other.get("/issues/").get_data(as_text=True)
    assert other.get(f"/issues/{issue.id}").status_code == 404
    assert other.post(f"/issues/{issue.id}/move", data={"to": "rectified", "evidence": "x"}).status_code in (303, 404)
    db.session.refresh(issue)
    assert issue.status == "assigned"


def test_a_bad_keyword_rule_names_its_field_and_stores_nothing(app, db, frame):  # noqa: F811
    coordinator = client_for(app, make_user("coordinator"))
    before = db.session.scalar(select(func.count()).select_from(IssueRule))
    response = coordinator.post("/issues/rules", data={"keywords": " ，、 ", "category": "", "position": "0",
                                                       "active": "1"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "has-error" in body and 'id="keywords"' in body
    assert db.session.scalar(select(func.count()).select_from(IssueRule)) == before
    saved = coordinator.post("/issues/rules", data={"keywords": "井盖、窨井", "category": "井盖缺失", "position": "0",
                                                    "active": "1"})
    assert saved.status_code == 303
    assert db.session.scalar(select(IssueRule).where(IssueRule.category == "井盖缺失")).keywords == ["井盖", "窨井"]


def test_the_edit_link_of_a_rule_opens_it_in_the_form(app, db, frame):  # noqa: F811
    coordinator = client_for(app, make_user("coordinator"))
    coordinator.post("/issues/rules", data={"keywords": "井盖", "category": "井盖缺失", "position": "0", "active": "1"})
    rule = db.session.scalar(select(IssueRule).where(IssueRule.category == "井盖缺失"))
    page = coordinator.get(f"/issues/rules?edit={rule.id}")
    assert page.status_code == 200
    assert f'name="rule_id" value="{rule.id}"' in page.get_data(as_text=True)
    assert coordinator.get("/issues/rules?edit=first").status_code == 422  # not a number: refused, naming "edit"


def test_a_falsified_interview_is_quarantined_and_its_stratum_gets_fresh_numbers(app, db, frame):  # noqa: F811
    round_ = fielding_round(frame, design=RESERVE)
    made = complaints(round_, [f"医院排队太久{n}" for n in range(4)], recontact="no")
    coordinator = client_for(app, make_user("coordinator"))
    selected = coordinator.post(f"/verification/rounds/{round_.id}/select",
                                data={"kind": "interview", "floor": "10", "new_floor": "100", "seed": "7"})
    assert selected.status_code == 303
    tasks = db.session.scalars(select(Verification).where(Verification.kind == "interview")).all()
    assert len(tasks) == 4  # every caller is new here: a floor of 100%
    verifier = client_for(app, make_user("verifier"))
    listing = verifier.get("/verification/").get_data(as_text=True)
    assert f"/verification/{tasks[0].id}" in listing
    page = verifier.get(f"/verification/{tasks[0].id}").get_data(as_text=True)
    assert 3 <= len(tasks[0].anchors) <= 5 and page.count('class="cati-question"') == len(tasks[0].anchors)
    refused = verifier.post(f"/verification/{tasks[0].id}", data={"outcome": "falsified"}, follow_redirects=True)
    assert "evidence" in refused.get_data(as_text=True).lower() or "证据" in refused.get_data(as_text=True)
    interview = db.session.get(Interview, tasks[0].interview_id)
    stratum = db.session.get(Stratum, db.session.get(Case, interview.case_id).stratum_id)
    released_before = stratum.released
    verifier.post(f"/verification/{tasks[0].id}", data={"outcome": "falsified", "evidence": "受访者说没接到过电话"})
    db.session.refresh(interview)
    db.session.refresh(stratum)
    assert interview.status == "quarantined" and interview.id in made
    assert db.session.get(Case, interview.case_id).final_group == "O"
    assert stratum.released > released_before  # replacement sample in the same stratum
    quality = coordinator.get(f"/verification/rounds/{round_.id}/select").get_data(as_text=True)
    assert 'id="caller-quality"' in quality


def test_scorecards_and_the_bulletin_render_for_leaders(app, db, frame):  # noqa: F811
    round_, _issue, _coordinator = assigned_issue(app, db, frame)
    leader = client_for(app, make_user("leader"))
    card = leader.get(f"/issues/scorecard?round={round_.id}")
    assert card.status_code == 200 and 'id="scorecard"' in card.get_data(as_text=True)
    bulletin = leader.get(f"/issues/scorecard?round={round_.id}&print=1").get_data(as_text=True)
    assert round_.name in bulletin and "data-print" in bulletin


def test_bad_verification_settings_are_refused_by_name_and_select_nothing(app, db, frame):  # noqa: F811
    round_ = fielding_round(frame)
    complaints(round_, ["医院排队太久"], recontact="no")
    coordinator = client_for(app, make_user("coordinator"))
    for data in ({"kind": "interview", "floor": "abc"}, {"kind": "interview", "floor": "40"},
                 {"kind": "issue", "top_clusters": "-1"}, {"kind": "issue", "seed": "1e99x"}):
        page = coordinator.post(f"/verification/rounds/{round_.id}/select", data=data, follow_redirects=True)
        assert page.status_code == 200 and "flash-error" in page.get_data(as_text=True), data
    assert db.session.scalar(select(func.count()).select_from(Verification)) == 0
