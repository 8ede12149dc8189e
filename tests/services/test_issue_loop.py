"""The issue loop: complaints become routed issues, and every move follows the one transition table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from survey.errors import InvalidState, NotFound, ValidationError
from survey.issues.workflow import STATUSES, SYSTEM, TRANSITIONS, Actor, Change, IssueState, check
from survey.models import Callback, Department, Indicator, Issue, IssueCluster, IssueEvent, IssueRule
from survey.services import fieldwork, interviews, issues

from ..conftest import make_user
from .test_fieldwork import EVENING, callers, complete_answers, fielding  # noqa: F401  (fixtures)
from .test_rounds import frame  # noqa: F401  (the frame fixture)

MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday


def interview_with(fielding, caller, extra: dict, key: str) -> int:  # noqa: F811
    case = fieldwork.claim_next(fielding.id, caller, now=EVENING)
    answers = {**complete_answers(), **extra}
    stored = fieldwork.submit_interview(case.id, caller, {"idempotency_key": key, "answers": answers},
                                        now=EVENING).interview
    interviews.process(stored.id)
    return stored.id


@pytest.fixture
def complaint(fielding, callers):  # noqa: F811
    """A processed interview with a low healthcare rating, its "why?", and consent to a call-back."""
    interview_with(fielding, callers[0], {"healthcare": "dissatisfied", "healthcare_why": "人民医院挂号排队太久了",
                                          "recontact": "yes"}, "k" * 32)
    return issues.visible(make_user("coordinator"), issues.IssueFilter())[0][0]


def department_of(code: str) -> Department:
    from survey.extensions import db

    return db.session.scalar(select(Department).where(Department.code == code))


def liaison(code: str):
    return make_user("department", department=code)


def test_a_low_rating_with_its_why_becomes_a_routed_clustered_issue(complaint, db):
    assert complaint.status == "new" and complaint.text == "人民医院挂号排队太久了"
    health = db.session.scalar(select(Indicator).where(Indicator.code == "healthcare"))
    assert complaint.indicator_id == health.id and complaint.region_id is not None
    assert complaint.department_id == department_of("health").id  # a keyword rule or the indicator's department
    assert complaint.recontact is True and complaint.cluster_id is not None
    assert db.session.get(IssueCluster, complaint.cluster_id).size == 1
    events = db.session.scalars(select(IssueEvent).where(IssueEvent.issue_id == complaint.id)).all()
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [(None, "new", "system")]


def test_processing_twice_makes_no_second_issue(complaint, db):
    interviews.process(complaint.interview_id)
    assert len(db.session.scalars(select(Issue)).all()) == 1


def test_near_duplicate_complaints_in_one_district_share_a_cluster(fielding, callers, db):  # noqa: F811
    for n, text in enumerate(["幸福路的路灯坏了好几个月", "幸福路路灯一直不亮", "人民医院挂号太难"]):
        interview_with(fielding, callers[n], {"fix": text}, f"{n}" * 32)
    rows = db.session.scalars(select(Issue).order_by(Issue.id)).all()
    by_region: dict = {}
    for row in rows:
        by_region.setdefault((row.region_id, row.category), set()).add(row.cluster_id)
    lamps = [r for r in rows if "路灯" in r.text]
    if lamps[0].region_id == lamps[1].region_id:  # same place: one cluster of two
        assert lamps[0].cluster_id == lamps[1].cluster_id
        assert db.session.get(IssueCluster, lamps[0].cluster_id).size == 2
    assert rows[2].cluster_id not in {lamps[0].cluster_id, lamps[1].cluster_id}


def test_an_auto_assign_rule_assigns_with_a_deadline(fielding, callers, db):  # noqa: F811
    rule = db.session.scalar(select(IssueRule).where(IssueRule.category == "路灯照明"))
    rule.auto_assign = True
    db.session.commit()
    interview_with(fielding, callers[0], {"fix": "小区路灯坏了"}, "a" * 32)
    issue = db.session.scalar(select(Issue))
    assert issue.status == "assigned" and issue.department_id == rule.department_id
    assert issue.deadline is not None and issue.deadline > issue.assigned_at


def test_the_whole_loop_with_a_call_back_that_says_solved(complaint, db):
    coordinator, health = make_user("coordinator"), liaison("health")
    caller = make_user("caller")
    issues.move(complaint.id, "assigned", by=coordinator, now=MONDAY,
                change=Change(department_id=health.department_id, urgency="normal"))
    assert complaint.deadline == datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)  # Monday 30th, 23:59:59 local
    issues.move(complaint.id, "rectified", by=health, now=MONDAY + timedelta(days=2),
                change=Change(evidence="增开了两个挂号窗口"),
                attachments=[("photo.png", "image/png", b"\x89PNG fake")])
    assert complaint.status == "awaiting_callback"  # consent given: a call-back is queued by itself
    callback = db.session.scalar(select(Callback).where(Callback.issue_id == complaint.id))
    assert callback.status == "open" and callback.due_at == MONDAY + timedelta(days=5)
    issues.record_callback(callback.id, caller, solved=True, satisfied=True, now=MONDAY + timedelta(days=3))
    assert complaint.status == "reviewed" and complaint.callback_solved is True
    issues.move(complaint.id, "closed", by=coordinator, now=MONDAY + timedelta(days=4))
    assert complaint.status == "closed" and complaint.closed_at is not None
    trail = [(e.from_status, e.to_status, e.actor) for e in complaint.events]
    assert trail == [(None, "new", "system"), ("new", "assigned", coordinator.username),
                     ("assigned", "rectified", health.username), ("rectified", "awaiting_callback", "system"),
                     ("awaiting_callback", "reviewed", caller.username), ("reviewed", "closed", coordinator.username)]
    assert [a.filename for a in issues.attachments_of(complaint)] == ["photo.png"]


def test_a_call_back_that_says_not_solved_reopens_with_a_new_deadline(complaint, db):
    coordinator, health = make_user("coordinator"), liaison("health")
    issues.move(complaint.id, "assigned", by=coordinator, now=MONDAY,
                change=Change(department_id=health.department_id, urgency="urgent"))
    issues.move(complaint.id, "rectified", by=health, now=MONDAY, change=Change(evidence="已处理"))
    callback = db.session.scalar(select(Callback))
    later = MONDAY + timedelta(days=2)
    issues.record_callback(callback.id, make_user("caller"), solved=False, satisfied=False, now=later)
    assert complaint.status == "reopened" and complaint.reopened == 1
    assert complaint.deadline == datetime(2026, 11, 25, 15, 59, 59, tzinfo=UTC)  # urgent: the same local day
    assert "callback_not_solved" in complaint.doubtful
    issues.move(complaint.id, "rectified", by=health, now=later, change=Change(evidence="再次处理"))
    assert complaint.status == "awaiting_callback"  # a fresh call-back


def test_without_consent_a_rectified_issue_goes_straight_to_review(fielding, callers, db):  # noqa: F811
    interview_with(fielding, callers[0], {"fix": "小区门口的路灯坏了"}, "n" * 32)
    issue = db.session.scalar(select(Issue))
    coordinator = make_user("coordinator")
    liaison_user = make_user("department", department=db.session.get(Department, issue.department_id).code)
    issues.move(issue.id, "assigned", by=coordinator, change=Change(department_id=issue.department_id,
                                                                     urgency="normal"))
    issues.move(issue.id, "rectified", by=liaison_user, change=Change(evidence="换了灯泡"))
    assert issue.status == "reviewed" and db.session.scalar(select(Callback)) is None


def test_a_department_returns_an_issue_within_two_working_days_with_a_reason(complaint):
    coordinator, health = make_user("coordinator"), liaison("health")
    issues.move(complaint.id, "assigned", by=coordinator, now=MONDAY,
                change=Change(department_id=health.department_id, urgency="normal"))
    with pytest.raises(ValidationError, match="give a reason"):
        issues.move(complaint.id, "returned", by=health, now=MONDAY)
    with pytest.raises(InvalidState, match="within 2 working days"):
        issues.move(complaint.id, "returned", by=health, now=MONDAY + timedelta(days=3),
                    change=Change(reason="不归我们管"))
    issues.move(complaint.id, "returned", by=health, now=MONDAY + timedelta(days=2), change=Change(reason="不归我们管"))
    assert complaint.status == "returned"
    issues.move(complaint.id, "assigned", by=coordinator, now=MONDAY + timedelta(days=2),
                change=Change(department_id=department_of("hotline").id, urgency="complex"))
    assert complaint.department_id == department_of("hotline").id


@pytest.mark.parametrize(("steps", "to", "who", "message"), [
    ([], "assigned", "department", "your role cannot"),  # only a coordinator assigns
    ([], "closed", "coordinator", "cannot become"),  # new → closed is not in the table
    (["assigned"], "closed", "coordinator", "cannot become"),  # closing before the rectification
    (["assigned", "rectified"], "closed", "coordinator", "cannot become"),  # closing before the call-back
    (["assigned", "rectified"], "reviewed", "coordinator", "your role cannot"),  # the caller records it
    (["assigned"], "rectified", "coordinator", "your role cannot"),  # the department rectifies
    (["assigned", "rectified"], "closed", "department", "cannot become"),  # a department closing its own
    (["assigned", "rectified"], "spot_check", "coordinator", "cannot become"),  # spot checks follow the review
])
def test_illegal_moves_are_refused_with_a_clear_message(complaint, steps, to, who, message):
    coordinator, health = make_user("coordinator"), liaison("health")
    for step in steps:
        if step == "assigned":
            issues.move(complaint.id, "assigned", by=coordinator,
                        change=Change(department_id=health.department_id, urgency="normal"))
        else:
            issues.move(complaint.id, "rectified", by=health, change=Change(evidence="已整改"))
    actor = health if who == "department" else make_user(who)
    with pytest.raises(InvalidState, match=message):
        issues.move(complaint.id, to, by=actor, change=Change(evidence="x", reason="x", solved=True, satisfied=True,
                                                              department_id=health.department_id, urgency="normal"))


def test_a_liaison_neither_reads_nor_moves_another_departments_issue(complaint):
    coordinator, health, police = make_user("coordinator"), liaison("health"), liaison("public_security")
    issues.move(complaint.id, "assigned", by=coordinator,
                change=Change(department_id=health.department_id, urgency="normal"))
    with pytest.raises(NotFound):
        issues.load(complaint.id, police)
    with pytest.raises(NotFound):
        issues.move(complaint.id, "rectified", by=police, change=Change(evidence="已整改"))
    assert issues.visible(police, issues.IssueFilter())[1] == 0
    assert issues.visible(health, issues.IssueFilter())[1] == 1


def test_rectifying_needs_evidence_and_assigning_needs_a_department(complaint):
    coordinator, health = make_user("coordinator"), liaison("health")
    with pytest.raises(ValidationError, match="department"):
        issues.move(complaint.id, "assigned", by=coordinator, change=Change(urgency="normal"))
    issues.move(complaint.id, "assigned", by=coordinator,
                change=Change(department_id=health.department_id, urgency="normal"))
    with pytest.raises(ValidationError, match="evidence"):
        issues.move(complaint.id, "rectified", by=health, change=Change(evidence="  "))


def test_the_systems_own_moves_cannot_be_made_by_hand():
    rectified = IssueState(status="rectified", department_id=1, recontact=True)
    with pytest.raises(InvalidState, match="by itself"):
        check(rectified, "awaiting_callback", Actor("coordinator"), Change(), MONDAY)
    assert check(rectified, "awaiting_callback", Actor(SYSTEM), Change(), MONDAY).by == {SYSTEM}
    with pytest.raises(InvalidState, match="did not agree"):
        check(IssueState(status="rectified", department_id=1), "awaiting_callback", Actor(SYSTEM), Change(), MONDAY)


def test_every_status_is_reachable_and_every_open_state_can_be_reopened():
    reachable = {"new"} | {to for (_frm, to) in TRANSITIONS}
    assert reachable == set(STATUSES)
    for status in set(STATUSES) - {"new", "closed", "reopened"}:
        assert (status, "reopened") in TRANSITIONS
    assert not any(frm == "closed" for frm, _to in TRANSITIONS)  # closed is the end


def test_overdue_issues_stand_out(complaint):
    coordinator, health = make_user("coordinator"), liaison("health")
    issues.move(complaint.id, "assigned", by=coordinator, now=MONDAY,
                change=Change(department_id=health.department_id, urgency="urgent"))
    assert not issues.overdue(complaint, MONDAY)
    assert issues.overdue(complaint, MONDAY + timedelta(days=1))
    assert issues.counts_by_status(health, now=MONDAY + timedelta(days=1))["overdue"] == 1
    rows, _total = issues.visible(coordinator, issues.IssueFilter(overdue=True), now=MONDAY + timedelta(days=1))
    assert [r.id for r in rows] == [complaint.id]


def valid_change(frm: str, to: str) -> tuple[IssueState, Change]:
    """An issue state and a change that meet the guards of the table's row ``frm → to``."""
    consent = (frm, to) != ("rectified", "reviewed")
    state = IssueState(status=frm, department_id=1, assigned_at=MONDAY, recontact=consent)
    return state, Change(reason="理由", evidence="整改情况", department_id=1, urgency="normal", solved=True,
                         satisfied=True)


@pytest.mark.parametrize(("frm", "to"), sorted(TRANSITIONS))
def test_every_row_of_the_table_is_allowed_to_its_roles_and_refused_to_the_others(frm, to):
    state, change = valid_change(frm, to)
    transition = TRANSITIONS[(frm, to)]
    for role in transition.by:
        actor = Actor(role, department_id=1 if role == "department" else None)
        assert check(state, to, actor, change, MONDAY) is transition
    for role in {"coordinator", "department", "caller", "verifier", "leader", "supervisor", SYSTEM} - transition.by:
        with pytest.raises(InvalidState):
            check(state, to, Actor(role, department_id=1), change, MONDAY)


def test_a_spot_check_passes_to_closure_or_fails_to_a_reopening(fielding, callers, db):  # noqa: F811
    from survey.models import Verification
    from survey.services import verification

    for n, text in enumerate(["小区门口路灯坏了", "医院挂号排队太久"]):
        interview_with(fielding, callers[n], {"fix": text}, f"s{n}" * 16)
    coordinator, verifier = make_user("coordinator"), make_user("verifier")
    rows = db.session.scalars(select(Issue).order_by(Issue.id)).all()
    for issue in rows:
        liaison_user = make_user("department", department=db.session.get(Department, issue.department_id).code)
        issues.move(issue.id, "assigned", by=coordinator, now=MONDAY,
                    change=Change(department_id=issue.department_id, urgency="normal"))
        issues.move(issue.id, "rectified", by=liaison_user, now=MONDAY, change=Change(evidence="已整改"))
        assert issue.status == "reviewed"  # no consent: straight to review
    with pytest.raises(InvalidState, match="by itself"):
        issues.move(rows[0].id, "spot_check", by=coordinator)
    run = verification.select_issues(fielding.id, by=coordinator, seed=1, share=1.0)
    assert run.picked == 2 and {i.status for i in rows} == {"spot_check"}
    with pytest.raises(InvalidState, match="cannot become"):  # closing before the spot check is done
        issues.move(rows[0].id, "closed", by=coordinator)
    checks = db.session.scalars(select(Verification).where(Verification.kind == "issue")
                                .order_by(Verification.issue_id)).all()
    verification.record(checks[0].id, verifier, outcome="confirmed")
    verification.record(checks[1].id, verifier, outcome="not_fixed", evidence="现场查看，问题依旧")
    assert rows[0].status == "verified" and rows[1].status == "reopened"
    assert "spot_check_failed" in rows[1].doubtful and rows[1].deadline is not None
    issues.move(rows[0].id, "closed", by=coordinator)
    assert rows[0].status == "closed"
    issues.move(rows[1].id, "assigned", by=coordinator,  # 重办 to another department
                change=Change(department_id=department_of("hotline").id, urgency="urgent"))
    assert rows[1].status == "assigned" and rows[1].department_id == department_of("hotline").id
    with pytest.raises(InvalidState, match="already recorded"):
        verification.record(checks[0].id, verifier, outcome="confirmed")
