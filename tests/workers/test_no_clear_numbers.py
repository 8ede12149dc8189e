"""No clear phone number anywhere it should not be.

A realistic flow on committed data: a frame imported from a CSV with known numbers (a second number in an extra
column, bad rows for the error report), a drawn round simulated through the pipeline with its follow-up and
report, a second round in the field. Then every page and export a person can get is fetched, and the database (the
SQLite file and its write-ahead log, and every column of every table on either database), the captured logs,
Redis and the instance folder are scanned for each known number and for any 11-digit mainland mobile number.

The only places a number may appear are the allowed views — the clear sample export for a coordinator, the number
shown to the caller holding the case, to the caller making a call-back and to the verifier re-asking — and each of
those is audited. This replaces the import-only check of issue 6.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import re
import zipfile
import zlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from survey.extensions import db
from survey.models import AuditEvent, Callback, FrameImport, Interview, Issue, Round, User, Verification
from survey.reports import exports
from survey.services import fieldwork, frames, interviews, lifecycle, questionnaires, rounds, simulation
from survey.services.demo import load_demo
from survey.services.synthetic import SYNTHETIC_MAPPING, write_synthetic_csv

from ..conftest import log_in, make_user
from ..services.test_fieldwork import complete_answers

pytestmark = pytest.mark.committed
NOW = datetime.now(UTC)
# An 11-digit mainland mobile number standing on its own (not inside a longer run of digits or letters — a uuid, a
# float's decimals — where eleven digits can occur by chance).
MOBILE = re.compile(rb"(?<![0-9A-Za-z.])1[3-9][0-9]{9}(?![0-9A-Za-z])")
DIGIT_RUN = re.compile(rb"[0-9]{10,}")
SEPARATOR = re.compile(rb"(?<=[0-9])[ \-]+(?=[0-9])")
DESIGN = {"strata": ["region"], "target": 60, "completion_rate": 0.35}
SPOKEN, SPOKEN_TOO = "13912340001", "18812340002"  # numbers a respondent says in an open answer


def pieces(blob: bytes) -> set[bytes]:
    """Every 10–12-digit piece of every run of digits: a known number is found even inside a longer run (+86…) or
    written with separators ("188-1234-0002", "139 1234 0001")."""
    out: set[bytes] = set()
    for run in DIGIT_RUN.findall(blob) + DIGIT_RUN.findall(SEPARATOR.sub(b"", blob)):
        for size in (10, 11, 12):
            out.update(run[i:i + size] for i in range(len(run) - size + 1))
    return out


class Scan:
    def __init__(self, known: set[str]) -> None:
        self.known = {n.encode() for n in known}
        self.problems: list[str] = []
        self.places = 0

    def check(self, place: str, blob: bytes | str) -> None:
        data = blob.encode() if isinstance(blob, str) else bytes(blob)
        self.places += 1
        found = sorted(self.known & pieces(data))
        if found:
            self.problems.append(f"{place}: known numbers {[n.decode() for n in found[:3]]} (+{len(found) - 3})"
                                 if len(found) > 3 else f"{place}: known numbers {[n.decode() for n in found]}")
        shaped = sorted(set(MOBILE.findall(data)) - set(found))
        if shaped:
            self.problems.append(f"{place}: mobile-shaped numbers {[n.decode() for n in shaped[:3]]}")

    def contains_known(self, blob: bytes | str) -> set[str]:
        data = blob.encode() if isinstance(blob, str) else bytes(blob)
        return {n.decode() for n in self.known & pieces(data)}


def write_frame(path: Path, tmp: Path) -> tuple[set[str], set[str]]:
    """The synthetic demo frame plus a 备注 column holding a second number on some rows, and three bad rows.
    Returns (every number in the file, the numbers that become frame units)."""
    source = tmp / "synthetic.csv"
    write_synthetic_csv(source, people=1500, seed=31)
    with open(source, encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    units = {row[1] for row in rows}
    seconds = [f"177{n:08d}" for n in range(20)]  # second numbers: kept only masked in the extra column
    body = [row + ([f"备用电话 {seconds[i]}"] if i < len(seconds) else [""]) for i, row in enumerate(rows)]
    body += [
        rows[1] + ["重复"],  # a duplicate: an error row, the number masked
        ["王错", "1381234567", "城中区", "城镇", "男", "30", ""],  # ten digits: not a number, masked in the report
        ["李远", "16612345678", "火星区", "城镇", "女", "40", ""],  # an unknown district: rejected, number masked
    ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*header, "备注"])
        writer.writerows(body)
    return units | set(seconds) | {"1381234567", "16612345678", SPOKEN, SPOKEN_TOO}, units


def client(app, session_id: str):
    c = app.test_client()
    log_in(c, session_id)
    return c


def xlsx_text(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return b"\n".join(book.read(name) for name in book.namelist())


def pdf_text(data: bytes) -> bytes:
    """The PDF's bytes and every compressed stream inflated (glyph ids, mostly — the HTML it came from is scanned
    too)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"\n".join(parts)


def as_bytes(value) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).encode()
    if isinstance(value, datetime | date):
        return value.isoformat().encode()
    if isinstance(value, float | Decimal):
        return repr(value).encode()
    return str(value).encode()


def database_rows() -> dict[str, bytes]:
    """Every value of every column of every table, per table (reflected: nothing is left out by the models)."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    out = {}
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            out[table.name] = b"\x1f".join(as_bytes(v) for row in rows for v in row)
    return out


def redis_values(redis) -> bytes:
    parts = []
    for key in redis.scan_iter():
        kind = redis.type(key)
        if kind == b"string":
            values = [redis.get(key)]
        elif kind == b"hash":
            values = [v for pair in redis.hgetall(key).items() for v in pair]
        elif kind == b"list":
            values = redis.lrange(key, 0, -1)
        elif kind in (b"set", b"zset"):
            values = list(redis.smembers(key)) if kind == b"set" else redis.zrange(key, 0, -1)
        else:
            values = []
        for value in [key, *values]:
            parts.append(value or b"")
            with contextlib.suppress(zlib.error, TypeError):
                parts.append(zlib.decompress(value))  # RQ keeps job data zlib-compressed
    return b"\n".join(parts)


def test_no_clear_number_outside_the_allowed_views(committed_app, redis, tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.WARNING)
    for name in ("survey", "workers", "rq"):
        caplog.set_level(logging.DEBUG, logger=name)
    path = tmp_path / "frame.csv"
    app = committed_app
    with app.app_context():
        load_demo()
        known, units = write_frame(path, tmp_path)
        people = {role: make_user(role) for role in ("admin", "coordinator", "caller", "verifier", "leader",
                                                     "supervisor")}
        frame = frames.create_frame("号码扫描", by=people["coordinator"])
        record = frames.import_file(frame.id, path, SYNTHETIC_MAPPING, allow_partial=True, by=people["coordinator"],
                                    filename="frame.csv")
        assert (record.imported, record.rejected) == (1500, 3)
        round_ = rounds.create_round("号码扫描第一轮", frame.id, DESIGN, by=people["coordinator"],
                                     questionnaire_id=questionnaires.list_questionnaires()[0].id)
        rounds.draw(round_.id, seed=31)
        lifecycle.change_status(round_.id, "fielding", by=people["coordinator"])
        round_id, import_id = round_.id, record.id
        user_ids = {role: user.id for role, user in people.items()}
        session_ids = {role: user.get_id() for role, user in people.items()}
        simulation.simulate_round(round_id, simulation.Settings(callers=3, falsifiers=1, seed=3,
                                                                start=NOW - timedelta(days=6)), now=NOW)
        # A second round on the same frame, in the field: a caller holds a case.
        people = {role: db.session.get(User, user_id) for role, user_id in user_ids.items()}  # the run emptied
        second = rounds.copy_round(round_id, "号码扫描第二轮", by=people["coordinator"])
        rounds.draw(second.id, seed=32)
        lifecycle.change_status(second.id, "fielding", by=people["coordinator"])
        second.call_rules = {"windows": [["00:00", "24:00"]]}
        db.session.commit()
        case_id = fieldwork.claim_next(second.id, people["caller"]).id
        callback_id = db.session.scalar(select(Callback.id).where(Callback.status == "open").order_by(Callback.id))
        task_id = db.session.scalar(select(Verification.id).where(Verification.status == "open",
                                                                  Verification.kind == "interview"))
        issue_id = db.session.scalar(select(Issue.id).where(Issue.round_id == round_id).order_by(Issue.id))
        assert callback_id and task_id and issue_id, "the recent loop leaves a call-back and a check open"
        assert db.session.get(Round, round_id).status == "closed"
        second_id = second.id
    scan = Scan(known)
    as_ = {role: client(app, session_id) for role, session_id in session_ids.items()}

    # --- the allowed views: the number is there, and each showing is audited --------------------------------
    clear_export = as_["coordinator"].get(f"/rounds/{round_id}/sample.csv?phones=1").get_data()
    assert len(scan.contains_known(clear_export)) >= 100
    allowed = {
        "case": as_["caller"].post(f"/calls/case/{case_id}/phone").get_json()["phone"],
        "callback": as_["caller"].post(f"/callbacks/{callback_id}/phone").get_json()["phone"],
        "verification": as_["verifier"].post(f"/verification/{task_id}/phone").get_json()["phone"],
    }
    assert set(allowed.values()) <= units
    case_page = as_["caller"].get(f"/calls/case/{case_id}")
    assert case_page.status_code == 200
    scan.check("caller: the case page", case_page.get_data())
    # The caller's respondent says a number in an open answer (their own, a neighbour's): kept only masked.
    with app.app_context():
        spoken = (f"晚上路灯不亮，有事请打我电话{SPOKEN}，或者{SPOKEN_TOO[:3]}-{SPOKEN_TOO[3:7]}-{SPOKEN_TOO[7:]}"
                  "找我家人")
        answers = {**complete_answers(), "public_security": "dissatisfied", "public_security_why": spoken,
                   "recontact": "yes"}
    submitted = as_["caller"].post(f"/calls/case/{case_id}/interview",
                                   json={"idempotency_key": "scan" * 8, "answers": answers})
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    interview_id = submitted.get_json()["interview"]
    with app.app_context():
        interviews.process(interview_id)
        spoken_issue = db.session.scalar(select(Issue.id).where(Issue.interview_id == interview_id))
        assert spoken_issue, "the complaint became an issue"
    with app.app_context():
        audited = {e.action: e for e in db.session.scalars(select(AuditEvent))}
        assert {"case.phone_revealed", "callback.phone_revealed", "verification.phone_revealed",
                "sample.exported"} <= set(audited)
        assert any(e.details.get("with_phones") for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sample.exported")))

    # --- every other page and export ----------------------------------------------------------------------------
    pdf_html: list[str] = []
    real_to_pdf = exports.to_pdf

    def capture(html: str) -> bytes:
        pdf_html.append(html)
        return real_to_pdf(html)

    monkeypatch.setattr(exports, "to_pdf", capture)
    views = {
        "coordinator": [f"/rounds/{round_id}/sample.csv", f"/rounds/{round_id}", f"/rounds/{second_id}", "/rounds/",
                        "/frames/", f"/frames/imports/{import_id}", f"/frames/imports/{import_id}/errors.csv",
                        "/issues/", f"/issues/{issue_id}", f"/issues/{spoken_issue}",
                        f"/issues/clusters?round={second_id}", f"/issues/clusters?round={round_id}",
                        f"/verification/rounds/{round_id}/select", "/coordinator/"],
        "leader": [f"/reports/rounds/{round_id}", f"/reports/rounds/{round_id}/report.xlsx",
                   f"/reports/rounds/{round_id}/report.csv", f"/reports/rounds/{round_id}/report.pdf", "/reports/"],
        "admin": ["/admin/", "/admin/audit", "/admin/audit.csv", "/admin/audit.xlsx", "/admin/retention",
                  "/admin/users"],
        "caller": ["/calls/", "/callbacks/", f"/callbacks/{callback_id}"],
        "verifier": ["/verification/", "/verification/?status=done", f"/verification/{task_id}"],
        "supervisor": ["/supervisor/", f"/supervisor/rounds/{round_id}/live", f"/supervisor/rounds/{second_id}/live"],
    }
    for role, urls in views.items():
        for url in urls:
            answer = as_[role].get(url)
            assert answer.status_code in (200, 503), (role, url, answer.status_code)  # 503: a PDF without Pango
            data = answer.get_data()
            if url.endswith(".xlsx"):
                data = xlsx_text(data)
            elif url.endswith(".pdf") and answer.status_code == 200:
                data = pdf_text(data)
            scan.check(f"{role} {url}", data)
    assert pdf_html, "the PDF's HTML was rendered"
    scan.check("the report PDF's HTML", pdf_html[0])

    # --- the stores ----------------------------------------------------------------------------------------------
    with app.app_context():
        for table, blob in database_rows().items():
            scan.check(f"table {table}", blob)
        assert db.session.scalar(select(Interview.id).limit(1)), "the tables hold the round"
        import_report = db.session.get(FrameImport, import_id).errors
        assert len(import_report) == 3
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        database = Path(url.removeprefix("sqlite:///"))
        files = [p for p in (database, Path(f"{database}-wal")) if p.exists()]
        blob = b"".join(p.read_bytes() for p in files)
        assert len(blob) > 1500 * 64  # the units are there, in the file or its write-ahead log
        scan.check("the SQLite file and its WAL", blob)
    scan.check("Redis", redis_values(redis))
    instance = Path(app.instance_path)
    for item in instance.rglob("*"):
        if item.is_file() and not item.name.startswith(("survey.db", "committed.db")):
            scan.check(f"instance/{item.relative_to(instance)}", item.read_bytes())
    scan.check("the captured logs", caplog.text)

    assert scan.problems == [], "\n".join(scan.problems)
    assert scan.places > 40
    # The scan would have seen them: the allowed views did hold clear numbers.
    assert all(scan.contains_known(number) for number in allowed.values())
