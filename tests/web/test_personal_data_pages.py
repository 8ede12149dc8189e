"""Personal data through the pages: the retention page (dry run, erase, audited), every view that shows a number
after its erasure, and the audit log with its CSV and XLSX exports (filters checked by field, export audited)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.issues.workflow import Change
from survey.models import AuditEvent, Callback, Case, FrameUnit, Interview, Issue, Round, Verification
from survey.models.types import utcnow
from survey.services import fieldwork, issues, retention, simulation

from ..conftest import log_in, make_fielding_round, make_user

NOW = datetime.now(UTC)


def client_for(app, role: str, **kwargs):
    client = app.test_client()
    client.user = make_user(role, **kwargs)
    log_in(client, client.user)
    return client


@pytest.fixture
def closed_round(app, db, tmp_path, monkeypatch) -> Round:
    """A small simulated round closed about two weeks ago; retention set to one day, so its numbers are due."""
    round_id = make_fielding_round(tmp_path, "隐私页面", people=3000, seed=21,
                                   design={"strata": ["region"], "target": 60, "completion_rate": 0.35})
    simulation.simulate_round(round_id, simulation.Settings(callers=3, seed=4, start=NOW - timedelta(days=16)),
                              now=NOW)
    monkeypatch.setitem(app.config, "PHONE_RETENTION_DAYS", 1)
    return db.session.get(Round, round_id)


def test_the_admin_sees_a_dry_run_confirms_and_the_erasure_is_audited(app, db, closed_round):
    admin = client_for(app, "admin")
    due = retention.plan().numbers
    assert due > 0
    page = admin.get("/admin/retention").get_data(as_text=True)
    assert "电话号码保存期限" in page and f"<strong>{due:,}</strong>" in page and closed_round.name in page

    refused = admin.post("/admin/retention", data={}, follow_redirects=True)
    assert "请勾选" in refused.get_data(as_text=True)
    assert retention.plan().numbers == due  # nothing erased without the confirmation

    done = admin.post("/admin/retention", data={"confirm": "1"}, follow_redirects=True)
    assert done.status_code == 200 and f"{due:,}" in done.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phones.erased"))
    assert event.actor == admin.user.username and event.details["numbers"] == due
    assert event.details["rounds"][0]["name"] == closed_round.name
    assert retention.plan().numbers == 0
    assert closed_round.name in admin.get("/admin/retention").get_data(as_text=True)  # in "recent erasures"


@pytest.mark.parametrize("value", ["forever", 0])
def test_a_bad_retention_setting_is_explained_not_a_500(app, db, value, monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_RETENTION_DAYS", value)
    admin = client_for(app, "admin")
    page = admin.get("/admin/retention")
    assert page.status_code == 200 and "SURVEY_PHONE_RETENTION_DAYS" in page.get_data(as_text=True)
    posted = admin.post("/admin/retention", data={"confirm": "1"}, follow_redirects=True)
    assert posted.status_code == 200 and "SURVEY_PHONE_RETENTION_DAYS" in posted.get_data(as_text=True)


def test_every_view_of_a_number_says_erased_and_none_fails(app, db, closed_round):
    retention.erase()
    erased_case = db.session.scalar(select(Case).join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
                                    .where(Case.round_id == closed_round.id, FrameUnit.erased_at.is_not(None)))
    assert erased_case is not None
    coordinator = client_for(app, "coordinator")

    # The sample export with numbers: "已删除" where a number was.
    clear = coordinator.get(f"/rounds/{closed_round.id}/sample.csv?phones=1").get_data(as_text=True)
    assert "已删除" in clear
    masked = coordinator.get(f"/rounds/{closed_round.id}/sample.csv").get_data(as_text=True)
    assert "已删除" in masked
    detail = coordinator.get(f"/rounds/{closed_round.id}")
    assert detail.status_code == 200 and "已过保存期限删除" in detail.get_data(as_text=True)

    # A call-back due after the erasure (an issue reopened and rectified again): the page says so.
    issue = db.session.scalar(
        select(Issue).join(Interview, Interview.id == Issue.interview_id).join(Case, Case.id == Interview.case_id)
        .join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
        .where(Issue.round_id == closed_round.id, Issue.recontact.is_(True), FrameUnit.erased_at.is_not(None),
               Issue.status.in_(("reviewed", "closed", "verified"))).order_by(Issue.id))
    from survey.models import Department

    liaison = make_user("department", department=db.session.get(Department, issue.department_id).code)
    issues.move(issue.id, "reopened", by=coordinator.user, change=Change(reason="群众再次反映"))
    issues.move(issue.id, "rectified", by=liaison, change=Change(evidence="已再次整改"))
    callback = db.session.scalar(select(Callback).where(Callback.issue_id == issue.id, Callback.status == "open"))
    caller = client_for(app, "caller")
    page = caller.get(f"/callbacks/{callback.id}")
    assert page.status_code == 200 and "已删除" in page.get_data(as_text=True)
    assert caller.get("/callbacks/").status_code == 200
    revealed = caller.post(f"/callbacks/{callback.id}/phone")
    assert revealed.status_code == 410 and "保存期限" in revealed.get_json()["error"]
    recorded = caller.post(f"/callbacks/{callback.id}", data={"unreachable": "1"})
    assert recorded.status_code == 303

    # A verification task about an erased respondent.
    task = db.session.scalar(
        select(Verification).join(Interview, Interview.id == Verification.interview_id)
        .join(Case, Case.id == Interview.case_id).join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
        .where(FrameUnit.erased_at.is_not(None)).order_by(Verification.id))
    verifier = client_for(app, "verifier")
    assert verifier.get(f"/verification/{task.id}").status_code == 200  # done: its history still shows
    task.status, task.outcome = "open", None
    db.session.commit()
    page = verifier.get(f"/verification/{task.id}")
    assert page.status_code == 200 and "已删除" in page.get_data(as_text=True)
    assert verifier.post(f"/verification/{task.id}/phone").status_code == 410
    assert verifier.get("/verification/?status=done").status_code == 200

    # Pages that show figures and texts of the round still work.
    leader = client_for(app, "leader")
    assert leader.get(f"/reports/rounds/{closed_round.id}").status_code == 200
    assert coordinator.get("/issues/").status_code == 200
    assert coordinator.get(f"/issues/{issue.id}").status_code == 200


def test_a_caller_holding_a_case_whose_number_is_gone_is_told_so(app, db, tmp_path):
    """Cannot happen by the rules (an open round holds its numbers) but a number erased under a held case — a
    race with a draw, a database restored — must not break the caller's screen."""
    round_id = make_fielding_round(tmp_path, "抢号", people=800, seed=5)
    caller = client_for(app, "caller")
    case = fieldwork.claim_next(round_id, caller.user, now=utcnow())
    unit = db.session.get(FrameUnit, case.frame_unit_id)
    unit.phone_enc = unit.phone_hash = None
    unit.erased_at = utcnow()
    db.session.commit()
    page = caller.get(f"/calls/case/{case.id}")
    assert page.status_code == 200 and "已删除" in page.get_data(as_text=True)
    revealed = caller.post(f"/calls/case/{case.id}/phone")
    assert revealed.status_code == 410 and "保存期限" in revealed.get_json()["error"]
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.phone_revealed"))


# --- the audit log ----------------------------------------------------------------------------------------

def _events(db):
    """Three events at known instants: Shanghai is UTC+8, so 16:30 UTC on the 1st is 00:30 on the 2nd there."""
    when = [datetime(2026, 1, 1, 15, 0, tzinfo=UTC), datetime(2026, 1, 1, 16, 30, tzinfo=UTC),
            datetime(2026, 1, 3, 2, 0, tzinfo=UTC)]
    for n, (at, action) in enumerate(zip(when, ("login", "case.phone_revealed", "login"), strict=True)):
        db.session.add(AuditEvent(at=at, actor=f"u{n}", action=action, ip="10.0.0.1",
                                  details={"round": "第一轮", "formula": "=HYPERLINK(\"x\")"}))
    db.session.commit()


def test_the_audit_log_page_filters_by_local_day_and_kind(app, db):
    _events(db)
    admin = client_for(app, "admin")
    page = admin.get("/admin/audit?from=2026-01-02&to=2026-01-02").get_data(as_text=True)
    assert "u1" in page and "u0" not in page and "u2" not in page
    assert "2026-01-02 00:30:00" in page  # shown in Beijing time
    only = admin.get("/admin/audit?kind=login&from=2026-01-01&to=2026-01-03").get_data(as_text=True)
    assert "u0" in only and "u2" in only and "u1" not in only
    assert "第一轮" in only


@pytest.mark.parametrize("query, field", [
    ("from=yesterday", "from"), ("to=2026-02-30", "to"), ("from=2026-01-05&to=2026-01-01", "to"),
    ("kind=no.such.kind", "kind"), ("page=-1", "page"), ("page=abc", "page"), ("from=%E9%95%BF" * 50, "from"),
])
def test_bad_audit_filters_are_refused_naming_the_field(app, db, query, field):
    _events(db)
    admin = client_for(app, "admin")
    paths = ("/admin/audit",) if field == "page" else ("/admin/audit", "/admin/audit.csv", "/admin/audit.xlsx")
    for path in paths:  # the downloads have no pages
        answer = admin.get(f"{path}?{query}")
        text = answer.get_data(as_text=True)
        assert answer.status_code == 422, (path, query)
        labels = {"from": "起始日期", "to": "截止日期（含当天）", "kind": "事件类型", "page": "页码"}
        assert answer.mimetype == "text/html" and "审计日志筛选条件无效" in text
        assert f"{labels[field]} ({field})" in text, text
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.exported"))


def test_the_audit_log_exports_as_csv_and_xlsx_in_beijing_time_and_each_export_is_audited(app, db):
    _events(db)
    admin = client_for(app, "admin")
    answer = admin.get("/admin/audit.csv?from=2026-01-01&to=2026-01-02")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    body = answer.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][1] == "时间（Asia/Shanghai）"
    assert [(r[1], r[2], r[3]) for r in rows[1:]] == [("2026-01-01 23:00:00", "u0", "login"),
                                                     ("2026-01-02 00:30:00", "u1", "case.phone_revealed")]
    assert rows[1][7].startswith("{") and "第一轮" in rows[1][7]  # details: JSON text (Chinese kept), never a formula

    book = load_workbook(io.BytesIO(admin.get("/admin/audit.xlsx?kind=login").get_data()))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["编号", "时间（Asia/Shanghai）", "操作人", "操作", "对象", "对象编号", "IP 地址", "详情"]
    assert [(v[1], v[2], v[3]) for v in values[1:]] == [("2026-01-01 23:00:00", "u0", "login"),
                                                       ("2026-01-03 10:00:00", "u2", "login")]

    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.exported")
                                 .order_by(AuditEvent.id)).all()
    assert [(e.actor, e.details) for e in exports] == [
        (admin.user.username, {"format": "csv", "rows": 2, "from": "2026-01-01", "to": "2026-01-02"}),
        (admin.user.username, {"format": "xlsx", "rows": 2, "kind": "login"})]
    listed = admin.get("/admin/audit?kind=audit.exported").get_data(as_text=True)
    assert "audit.exported" in listed and "xlsx" in listed


def test_a_user_name_typed_as_a_formula_stays_text_in_the_exports(app, db):
    client = app.test_client()
    client.post("/login", data={"username": "=cmd|' /C calc'!A0", "password": "wrong password"})
    admin = client_for(app, "admin")
    rows = list(csv.reader(io.StringIO(admin.get("/admin/audit.csv?kind=login.failed").get_data().decode("utf-8-sig"))))
    assert rows[1][2] == "'=cmd|' /C calc'!A0"
    book = load_workbook(io.BytesIO(admin.get("/admin/audit.xlsx?kind=login.failed").get_data()))
    cell = book.active["C2"]
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"


def test_only_admins_reach_the_audit_log_and_retention(app, db):
    for role in ("coordinator", "supervisor", "caller", "leader"):
        client = client_for(app, role)
        for path in ("/admin/audit", "/admin/audit.csv", "/admin/audit.xlsx", "/admin/retention"):
            assert client.get(path).status_code == 403
