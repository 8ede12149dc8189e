"""A coordinator designs a round on the round-design page, watching the live preview, creates it, draws its sample
(seeing the progress bar follow the job), reads the per-stratum summary with base weights and downloads the masked
sample — in a real browser against the real server and a real worker. The frame is made through services."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, text

from survey.extensions import db
from survey.models import Case, Round, Stratum

from ..conftest import FRAME_MAPPING, PASSWORD, make_user
from .conftest import log_in, shot

pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def frame(committed_app, tmp_path_factory) -> dict:
    """The demo city and a synthetic frame of 3,000 residents, imported; a coordinator."""
    from survey.services import frames
    from survey.services.demo import load_demo
    from survey.services.synthetic import write_synthetic_csv

    with committed_app.app_context():
        load_demo()
        frame = frames.create_frame("全市样本框")
        path = Path(tmp_path_factory.mktemp("frame")) / "frame.csv"
        write_synthetic_csv(path, people=3000, seed=7)
        frames.import_file(frame.id, path, FRAME_MAPPING)
        coordinator = make_user("coordinator")
        db.session.commit()
        return {"id": frame.id, "coordinator": coordinator.username}


@contextlib.contextmanager
def writes_held(app) -> Iterator[None]:
    """Keep the draw from writing its sample until the block ends, so the page can be seen while the job runs.

    SQLite: another connection holds the write lock (the job waits up to its 15 s busy timeout). PostgreSQL: the
    strata table is locked against writes (reads go on). Nothing is written here; the lock is released at the end.
    """
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.info["begin"] = "BEGIN IMMEDIATE"
            with connection.begin():
                yield
        else:
            with connection.begin():
                connection.execute(text("LOCK TABLE stratum IN SHARE MODE"))
                yield


def test_a_coordinator_designs_a_round_draws_it_and_exports_the_sample(committed_app, live_server, page, frame,
                                                                        redis, worker):
    # (``redis`` empties the queue: jobs other tests left behind would reach the worker before the draw.)
    log_in(page, live_server, frame["coordinator"], PASSWORD)
    page.goto(f"{live_server}/rounds/")
    page.locator("a.button[href='/rounds/new']").click()
    page.wait_for_url("**/rounds/new")

    # The preview follows the design: the default 5,200 completes are more than this frame holds …
    note = page.locator("#preview-status")
    preview = page.locator("#preview table")
    page.fill("#name", "二〇二五年第一季度")
    page.select_option("#frame_id", str(frame["id"]))
    expect(note).to_have_class("flash flash-error")
    expect(preview).to_have_count(0)
    page.fill("#target", "300")
    expect(preview.locator("tbody tr")).to_have_count(6)  # … 300 fit: by district, the demo city's six
    # … then by district × urban/rural, equal allocation with a base of 5, half the numbers expected to complete.
    page.check("input[name=strata][value=urban]")
    expect(preview.locator("tbody tr")).to_have_count(12)
    page.select_option("#method", "equal")
    page.fill("#base", "5")
    page.fill("#completion_rate", "0.5")
    totals = preview.locator("tfoot th")
    expect(totals.nth(4)).to_have_text("600")  # numbers to dial: 300 / 0.5
    expect(totals.nth(2)).to_have_text("300")  # completes …
    expect(preview.locator("tbody td:nth-child(3)")).to_have_text(["25"] * 12)  # … 300 / 12 in every stratum
    # One stratum is expected to answer less: its own rate, typed into its row, doubles its numbers to dial.
    first_rate = preview.locator("tbody input.rate").first
    own_key = first_rate.get_attribute("name").removeprefix("completion_rate.")
    first_rate.fill("0.25")
    expect(totals.nth(4)).to_have_text("650")  # 25 / 0.25 = 100 instead of 50
    expect(preview.locator("tbody tr").first.locator("td").nth(4)).to_have_text("100")
    expect(preview.locator("tbody input.rate").first).to_have_value("0.25")  # the redrawn table keeps what was typed
    shot(page, "coordinator-round-design")
    page.locator("#round-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/rounds/\d+$"))
    expect(page.locator("h1")).to_contain_text("二〇二五年第一季度")
    with committed_app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.name == "二〇二五年第一季度"))
        design = db.session.get(Round, round_id).design
    assert (design["strata"], design["method"], design["base"], design["target"], design["completion_rate"]) == \
        (["region", "urban"], "equal", 5, 300, {"*": 0.5, own_key: 0.25})

    # The draw: queued until a worker takes it, then running, then done — the bar follows the job throughout.
    page.fill("#seed", "20250101")
    page.locator("form[action$='/draw'] button[type=submit]").click()
    bar = page.locator(".job-progress")
    expect(bar).to_be_visible()
    status = bar.locator(".job-progress-status")
    expect(status).to_contain_text("排队中")  # queued: no worker yet
    shot(page, "coordinator-draw-queued")
    with writes_held(committed_app):
        worker("--no-cron", burst=False)
        expect(status).to_contain_text("进行中", timeout=20_000)  # running (and held: it cannot write yet)
        shot(page, "coordinator-draw-running")
    summary = page.locator("section.card", has=page.locator("h2", has_text="样本分层情况")).locator("table")
    expect(summary).to_be_visible(timeout=30_000)  # the page reloads when the job is done
    expect(page.locator("h1 small")).to_have_text("已抽样")
    shot(page, "coordinator-draw-summary")
    assert page.console_errors == []

    with committed_app.app_context():
        strata = db.session.scalars(select(Stratum).where(Stratum.round_id == round_id)
                                    .order_by(Stratum.position)).all()
        cases = db.session.scalar(select(db.func.count()).select_from(Case).where(Case.round_id == round_id))
    assert len(strata) == 12 and sum(s.target for s in strata) == 300
    rows = summary.locator("tbody tr")
    expect(rows).to_have_count(12)
    for row, stratum in zip(rows.all(), strata, strict=True):
        weight = row.locator("td").last.inner_text()
        assert float(weight.replace(",", "")) == pytest.approx(stratum.population / stratum.released, abs=5e-4)

    with page.expect_download() as download:
        page.locator(f"a[href='/rounds/{round_id}/sample.csv']").click()
    sample = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(sample) == cases > 600  # the numbers to dial and the reserve replicates
    assert all("****" in row["phone"] and not re.search(r"\d{5}", row["phone"]) for row in sample)  # masked
    by_key = {s.key: s for s in strata}
    assert {row["stratum"] for row in sample} == set(by_key)
    for row in sample:
        stratum = by_key[row["stratum"]]
        if row["released"] == "1":
            assert float(row["base_weight"]) == pytest.approx(stratum.population / stratum.released)
