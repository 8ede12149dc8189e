"""Round reports: a snapshot of hand-checkable figures, built from the stored interviews, read by every export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.models import Case, Interview, ReportSnapshot, Stratum
from survey.reports.exports import ReportView, to_csv, to_xlsx
from survey.services import fieldwork, interviews, questionnaires, reports

from .test_fieldwork import EVENING, callers, fielding  # noqa: F401  (fixtures)
from .test_rounds import frame  # noqa: F401  (the frame fixture)


def answers(level: str) -> dict:
    """Every indicator answered ``level`` (satisfied = 100, neutral = 60), no complaint."""
    instrument = questionnaires.document(questionnaires.list_questionnaires()[0])
    out = {"S1": 40, "S2": "yes", "recontact": "no"}
    out.update({q.code: level for q in instrument.questions if q.type == "scale"})
    return out


@pytest.fixture
def small_round(fielding, callers, db):  # noqa: F811
    """Four completes: three all 满意 (100) and one all 一般 (60), in whatever strata the claims give."""
    for n, level in enumerate(["satisfied", "satisfied", "satisfied", "neutral"]):
        case = fieldwork.claim_next(fielding.id, callers[n % 3], now=EVENING)
        stored = fieldwork.submit_interview(case.id, callers[n % 3], {"idempotency_key": f"r{n:031d}",
                                                                      "answers": answers(level)},
                                            now=EVENING).interview
        interviews.process(stored.id)
    snapshot = ReportSnapshot(round_id=fielding.id, settings={"weighting": "nonresponse"})
    db.session.add(snapshot)
    db.session.commit()
    return reports.build(snapshot.id)


def hand_composite(db, round_id: int) -> tuple[float, float]:
    """Σ_h N_h ȳ_h / Σ_h N_h over the strata with respondents (weights N_h / n_h), for score and rate."""
    per_stratum: dict[int, list[float]] = {}
    for stratum_id, level in db.session.execute(select(Case.stratum_id, Interview.payload).join(
            Interview, Interview.case_id == Case.id).where(Interview.round_id == round_id)):
        per_stratum.setdefault(stratum_id, []).append(100.0 if level["answers"]["healthcare"] == "satisfied" else 60.0)
    population = {s.id: s.population for s in db.session.scalars(select(Stratum).where(Stratum.id.in_(per_stratum)))}
    total = sum(population.values())
    score = sum(population[h] * sum(v) / len(v) for h, v in per_stratum.items()) / total
    rate = sum(population[h] * sum(x == 100.0 for x in v) / len(v) for h, v in per_stratum.items()) / total
    return score, rate


def test_the_snapshot_holds_the_hand_computed_weighted_figures(small_round, db):
    content = small_round.content
    assert small_round.status == "ready" and content["sample"]["respondents"] == 4
    score, rate = hand_composite(db, small_round.round_id)
    assert content["headline"]["composite"]["value"] == pytest.approx(score, abs=1e-9)
    assert content["headline"]["rate"]["value"] == pytest.approx(rate, abs=1e-9)
    city = content["cells"]["all"]
    assert all(e["value"] == pytest.approx(score, abs=1e-9) for e in city["scores"])  # every indicator alike
    assert content["headline"]["composite"]["low"] <= score <= content["headline"]["composite"]["high"]
    assert content["round"]["previous"] is None and content.get("changes") in (None, [])
    assert [r["district"] for r in content["response"]][-1] == "all"


def test_a_quarantined_interview_leaves_the_figures(small_round, db):
    neutral = next(i for i in db.session.scalars(select(Interview)) if i.payload["answers"]["healthcare"] == "neutral")
    neutral.status = "quarantined"
    db.session.commit()
    snapshot = ReportSnapshot(round_id=small_round.round_id, settings={"weighting": "nonresponse"})
    db.session.add(snapshot)
    db.session.commit()
    content = reports.build(snapshot.id).content
    assert content["sample"]["respondents"] == 3
    assert content["headline"]["composite"]["value"] == pytest.approx(100.0)
    assert reports.latest(small_round.round_id).id == snapshot.id  # the newest ready snapshot is the report


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(small_round):
    view = ReportView(small_round.content)
    book = load_workbook(io.BytesIO(to_xlsx(view, lambda s: s)))
    assert len(book.sheetnames) == len(view.tables(lambda s: s))
    sheet = book[book.sheetnames[1]]  # scores by district and indicator
    assert sheet.cell(1, 1).font.bold
    value = sheet.cell(2, 2).value
    expected = small_round.content["cells"]["all"]["scores"][0]["value"]
    assert isinstance(value, int | float) and value == pytest.approx(expected)


def test_csv_is_utf8_with_a_bom_and_chinese_labels(small_round):
    data = to_csv(ReportView(small_round.content), lambda s: s)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert any("全市" in row for row in rows) and any("医疗卫生" in "".join(row) for row in rows)


def test_no_phone_number_reaches_a_snapshot(small_round):
    import json

    text = json.dumps(small_round.content, ensure_ascii=False)
    assert not re.search(r"(?<![\d.])1[3-9]\d{9}(?![\d.])", text)  # a mobile number, not the digits of a float
    assert reports.mask_digits("请打13812345678联系") == "请打138********联系"


def test_interviews_processed_before_score_vectors_existed_give_the_same_figures(small_round, db):
    from sqlalchemy import update

    db.session.execute(update(Interview).where(Interview.id.in_(select(Interview.id).limit(2))).values(vector=None))
    db.session.commit()
    snapshot = ReportSnapshot(round_id=small_round.round_id, settings={"weighting": "nonresponse"})
    db.session.add(snapshot)
    db.session.commit()
    again = reports.build(snapshot.id).content
    assert again["cells"] == small_round.content["cells"] and again["headline"] == small_round.content["headline"]


def test_the_second_round_reports_its_changes_and_the_trend(small_round, callers, db):  # noqa: F811
    from survey.services import lifecycle, rounds

    from ..conftest import make_user

    coordinator = make_user("coordinator")
    second = rounds.copy_round(small_round.round_id, "第二轮", by=coordinator)
    rounds.draw(second.id, seed=9)
    lifecycle.change_status(second.id, "fielding", by=coordinator)
    for n in range(4):  # everybody neutral this time: a fall of 30 points on every indicator
        case = fieldwork.claim_next(second.id, callers[n % 3], now=EVENING)
        stored = fieldwork.submit_interview(case.id, callers[n % 3], {"idempotency_key": f"s{n:031d}",
                                                                      "answers": answers("neutral")},
                                            now=EVENING).interview
        interviews.process(stored.id)
    snapshot = ReportSnapshot(round_id=second.id, settings={"weighting": "nonresponse"})
    db.session.add(snapshot)
    db.session.commit()
    content = reports.build(snapshot.id).content
    assert content["round"]["previous"]["id"] == small_round.round_id
    assert [t["round_id"] for t in content["trend"]] == [small_round.round_id, second.id]
    city = next(r for r in content["changes"] if r["domain"] == "all" and r["measure"] == "composite")
    assert city["after"] == pytest.approx(60.0) and city["diff"] == pytest.approx(60.0 - city["before"])
    assert all(r["comparable"] for r in content["changes"])  # the same questionnaire version
    assert content["headline"]["change_composite"]["diff"] == pytest.approx(city["diff"])
