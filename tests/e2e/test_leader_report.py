"""A leader opens a round's report, sees the heatmap and charts in Chinese, switches to English and
downloads the XLSX and the PDF — in a real browser against the real server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from survey.extensions import db
from survey.models import ReportSnapshot

from ..conftest import PASSWORD, make_fielding_round, make_user
from ..services.test_fieldwork import complete_answers
from .conftest import log_in, shot

pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def reported(committed_app, tmp_path_factory) -> dict:
    from survey.services import fieldwork, interviews, reports

    with committed_app.app_context():
        round_id = make_fielding_round(Path(tmp_path_factory.mktemp("frame")), "报告轮", people=1000, seed=3,
                                       design={"strata": ["region"], "target": 30, "completion_rate": 0.5})
        now = datetime.now(UTC) - timedelta(minutes=30)
        for n, level in enumerate(["satisfied", "fairly_satisfied", "neutral", "satisfied", "fairly_satisfied"]):
            caller = make_user("caller")
            case = fieldwork.claim_next(round_id, caller, now=now)
            answers = {**complete_answers(), **{k: level for k, v in complete_answers().items() if v == "satisfied"},
                       "recontact": "no"}
            stored = fieldwork.submit_interview(case.id, caller, {"idempotency_key": f"rep{n:029d}",
                                                                  "answers": answers}, now=now).interview
            interviews.process(stored.id)
        snapshot = ReportSnapshot(round_id=round_id, settings={"weighting": "nonresponse"})
        db.session.add(snapshot)
        db.session.commit()
        reports.build(snapshot.id)
        leader = make_user("leader")
        db.session.commit()
        return {"round": round_id, "leader": leader.username}


def test_a_leader_reads_the_report_switches_language_and_downloads(live_server, page, reported, tmp_path):
    log_in(page, live_server, reported["leader"], PASSWORD)
    expect(page.locator("h1")).to_contain_text("满意度报告")  # lands on the reports
    page.locator(f"#reports a[href='/reports/rounds/{reported['round']}']").click()
    page.wait_for_url(f"**/reports/rounds/{reported['round']}")
    expect(page.locator("#heatmap table")).to_contain_text("医疗卫生")
    expect(page.locator("#heatmap td[class^=heat-]:not(.heat-none)").first).to_be_visible()
    chart = page.locator("#ranking svg")
    expect(chart).to_be_visible()
    expect(chart.locator("text").filter(has_text="区")).not_to_have_count(0)  # Chinese labels as SVG text
    assert chart.bounding_box()["width"] > 200
    shot(page, "leader-report-zh")
    assert page.console_errors == []

    page.locator("form.lang-switch button").click()  # the language switch
    page.wait_for_load_state()
    expect(page.locator("#heatmap table")).to_contain_text("Healthcare")
    shot(page, "leader-report-en")

    with page.expect_download() as xlsx:
        page.locator("a[href$='report.xlsx']").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    saved = tmp_path / "report.xlsx"
    xlsx.value.save_as(saved)
    book = load_workbook(saved)
    assert any("Satisfaction score" in name for name in book.sheetnames)  # the export follows the language
    with page.expect_download() as pdf:
        page.locator("a[href$='report.pdf']").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
