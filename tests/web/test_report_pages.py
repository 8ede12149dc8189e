"""Leaders read a round's report as a page and as XLSX, CSV and PDF — all from the same snapshot."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.models import ReportSnapshot
from survey.services import reports

from ..conftest import log_in, make_user
from ..services.test_fieldwork import callers, fielding  # noqa: F401  (fixtures)
from ..services.test_reports import small_round  # noqa: F401  (fixture)
from ..services.test_rounds import frame  # noqa: F401  (fixture)

MOBILE = re.compile(rb"(?<![\d.])1[3-9]\d{9}(?![\d.])")


def leader_client(app):
    client = app.test_client()
    log_in(client, make_user("leader"))
    return client


def test_the_page_shows_the_snapshots_figures(app, small_round):  # noqa: F811
    page = leader_client(app).get(f"/reports/rounds/{small_round.round_id}").get_data(as_text=True)
    headline = small_round.content["headline"]["composite"]
    assert f"{headline['value']:.1f}" in page and f"{headline['low']:.1f}" in page
    assert 'id="heatmap"' in page and "heat-" in page and "<svg" in page and "医疗卫生" in page
    assert "style=" not in page.split('id="heatmap"')[1].split("</table>")[0]  # the CSP allows no inline style


def test_the_language_switch_applies_to_the_report_and_its_exports(app, small_round):  # noqa: F811
    client = leader_client(app)
    client.post("/language", data={"lang": "en", "next": "/reports/"})
    page = client.get(f"/reports/rounds/{small_round.round_id}").get_data(as_text=True)
    assert "Healthcare" in page and "City" in page
    book = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{small_round.round_id}/report.xlsx").data))
    assert any("Satisfaction score" in name for name in book.sheetnames)


def test_xlsx_csv_and_pdf_download_and_read_back(app, small_round):  # noqa: F811
    pytest.importorskip("weasyprint")
    import pypdf

    client = leader_client(app)
    base = f"/reports/rounds/{small_round.round_id}/report"
    xlsx = client.get(base + ".xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data))
    assert "区县" in [c.value for c in book[book.sheetnames[1]][1]]
    csv = client.get(base + ".csv")
    assert csv.data.startswith(b"\xef\xbb\xbf") and "全市" in csv.data.decode("utf-8-sig")
    pdf = client.get(base + ".pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "医疗卫生" in text and "全市" in text  # Chinese as text, in an embedded CJK font
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert any("CJK" in name for name in fonts)
    for data in (xlsx.data, csv.data, pdf.data):
        assert not MOBILE.search(data)


def test_only_a_coordinator_rebuilds_and_a_missing_report_says_so(app, db, fielding):  # noqa: F811
    leader = leader_client(app)
    assert "尚无报告" in leader.get(f"/reports/rounds/{fielding.id}").get_data(as_text=True) or \
        "no report yet" in leader.get(f"/reports/rounds/{fielding.id}").get_data(as_text=True)
    assert leader.get(f"/reports/rounds/{fielding.id}/report.xlsx").status_code == 404
    assert leader.post(f"/reports/rounds/{fielding.id}/build").status_code == 403
    coordinator = app.test_client()
    log_in(coordinator, make_user("coordinator"))
    assert coordinator.post(f"/reports/rounds/{fielding.id}/build", data={"weighting": "raked"}).status_code == 303
    queued = db.session.scalar(select(ReportSnapshot).where(ReportSnapshot.round_id == fielding.id))
    assert queued.settings == {"weighting": "raked"} and queued.status in ("building", "failed")
    assert reports.latest(fielding.id) is None


def test_the_heatmap_classes_in_the_stylesheet_follow_the_colour_scale():
    from pathlib import Path

    from survey.reports.charts import heat_colour, text_colour
    from survey.reports.exports import HEAT_STEPS

    css = (Path(__file__).resolve().parents[2] / "survey/static/css/app.css").read_text()
    for k in range(HEAT_STEPS):
        background = heat_colour(k / (HEAT_STEPS - 1), 0, 1)
        assert f".heat-{k} {{ background: {background}; color: {text_colour(background)}; }}" in css
