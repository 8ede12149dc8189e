"""Frame import: every bad row reported, nothing half-imported, no clear number stored or logged."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.models import Frame, FrameImport, FrameUnit
from survey.services import frames
from survey.services.demo import load_demo
from survey.services.synthetic import write_synthetic_csv

HEADER = ["手机号码", "区县", "城乡", "性别", "年龄", "备注"]
MAPPING = {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"}
GOOD = [
    ["13812345678", "城中区", "城镇", "男", "30", "a"],
    ["+86 139-0000-0001", "Huxi County", "农村", "女", "64", ""],
]


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def frame(db):
    load_demo()
    return frames.create_frame("测试抽样框")


def units(db, frame) -> int:
    return db.session.scalar(select(func.count()).select_from(FrameUnit).where(FrameUnit.frame_id == frame.id))


def test_a_clean_file_is_imported_with_its_strata_and_extra_columns(db, frame, tmp_path):
    record = frames.import_file(frame.id, write_csv(tmp_path / "f.csv", GOOD), MAPPING)
    assert (record.status, record.imported, record.rejected) == ("done", 2, 0)
    rows = db.session.scalars(select(FrameUnit).order_by(FrameUnit.id)).all()
    assert [(u.region.code, u.urban, u.sex, u.age, u.age_band) for u in rows] == [
        ("chengzhong", True, "M", 30, "30-44"), ("huxi", False, "F", 64, "60+")]
    assert rows[0].extra == {"备注": "a"} and rows[1].extra is None
    assert frames.vault().decrypt(rows[1].phone_enc) == "13900000001"
    assert db.session.get(Frame, frame.id).unit_count == 2


BAD_ROWS = [
    (["13812345678", "城中区", "城镇", "男", "30", ""], None),  # good
    (["13812345678", "城中区", "城镇", "男", "31", ""], ("手机号码", "duplicate of row 2")),
    (["12345", "城南区", "农村", "女", "40", ""], ("手机号码", "invalid phone number")),
    (["13912345678", "火星区", "农村", "女", "40", ""], ("区县", "unknown region")),
    (["13912345679", "", "农村", "女", "40", ""], ("区县", "missing region")),
    (["13712345678", "湖西县", "山区", "男", "40", ""], ("城乡", "not 城镇/农村")),
    (["13612345678", "湖西县", "农村", "X", "40", ""], ("性别", "not 男/女")),
    (["13512345678", "湖西县", "农村", "女", "abc", ""], ("年龄", "not a whole number")),
    (["13412345678", "湖西县", "农村", "女", "16", ""], ("年龄", "younger than 18")),
    (["13312345678", "湖西县", "", "女", "40", ""], ("城乡", "missing")),
]


def test_every_kind_of_bad_row_is_reported_and_nothing_is_imported(db, frame, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [row for row, _ in BAD_ROWS])
    record = frames.import_file(frame.id, path, MAPPING)
    assert record.status == "rejected" and record.imported == 0 and record.rejected == 9
    assert record.message == "nothing imported: 9 of 10 rows are bad"
    reported = {(e["row"], e["column"]) for e in record.errors}
    for line, (_, expected) in enumerate(BAD_ROWS, start=2):
        if expected:
            column, reason = expected
            match = [e for e in record.errors if e["row"] == line and e["column"] == column]
            assert match and reason in match[0]["reason"], (line, record.errors)
    assert (2, "手机号码") not in reported
    assert units(db, frame) == 0


def test_the_good_rows_can_be_imported_on_request_and_the_rejects_kept(db, frame, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [row for row, _ in BAD_ROWS])
    record = frames.import_file(frame.id, path, MAPPING, allow_partial=True)
    assert (record.status, record.imported, record.rejected) == ("done", 1, 9)
    report = frames.error_report_csv(db.session.get(FrameImport, record.id))
    assert report.startswith("\ufeffrow,column,value,reason") and "unknown region" in report
    assert units(db, frame) == 1


def test_a_number_already_in_the_frame_is_a_duplicate(db, frame, tmp_path):
    frames.import_file(frame.id, write_csv(tmp_path / "a.csv", GOOD[:1]), MAPPING)
    record = frames.import_file(frame.id, write_csv(tmp_path / "b.csv", GOOD), MAPPING)
    assert record.status == "rejected" and record.errors[0]["reason"] == "already in this frame"


def test_gbk_files_from_excel_are_read(db, frame, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", GOOD, encoding="gbk")
    assert frames.import_file(frame.id, path, MAPPING).imported == 2


def test_an_unreadable_encoding_is_a_clear_error(db, frame, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x81\x30\xff\xff\xff")
    record = frames.import_file(frame.id, path, MAPPING)
    assert record.status == "failed" and "neither UTF-8 nor GBK" in record.message


def test_xlsx_files_are_imported(db, frame, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([13812345678, "城中区", "城镇", "男", 30, None])  # Excel keeps numbers as numbers
    sheet.append(["13900000001", "湖西县", "农村", "女", 64.0, "x"])
    book.save(tmp_path / "f.xlsx")
    record = frames.import_file(frame.id, tmp_path / "f.xlsx", MAPPING)
    assert (record.status, record.imported) == ("done", 2), record.errors


def test_a_mapping_without_phone_or_region_or_with_unknown_columns_is_refused(db, frame, tmp_path):
    path = write_csv(tmp_path / "f.csv", GOOD)
    record = frames.import_file(frame.id, path, {"phone": "手机号码", "urban": "不存在"})
    assert record.status == "failed"
    fields = {e["field"] for e in record.errors}
    assert {"mapping.region", "mapping.urban"} <= fields


def test_synthetic_frames_are_deterministic_and_shaped_like_the_demo_city(db, tmp_path):
    write_synthetic_csv(tmp_path / "a.csv", people=2000, seed=9)
    write_synthetic_csv(tmp_path / "b.csv", people=2000, seed=9)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    rows = list(csv.DictReader((tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()))
    share = sum(r["区县"] == "河东市" for r in rows) / len(rows)
    assert abs(share - 1_310_000 / 5_470_000) < 0.03
    urban = [r["城乡"] == "城镇" for r in rows if r["区县"] == "城中区"]
    assert abs(sum(urban) / len(urban) - 0.9) < 0.06
    assert all(18 <= int(r["年龄"]) <= 65 for r in rows)


def test_abandoned_uploads_are_purged_after_a_day(app, db):
    import os
    import time
    from pathlib import Path

    folder = Path(app.instance_path) / "uploads"
    folder.mkdir(exist_ok=True)
    old, new = folder / "old.csv", folder / "new.csv"
    old.write_text("13812345678")
    new.write_text("13812345678")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    assert frames.purge_uploads() == 1
    assert not old.exists() and new.exists()
    new.unlink()


def test_the_helper_process_imports_exactly_what_the_single_process_path_does(db, frame, tmp_path):
    rows = [row for row, _ in BAD_ROWS] + [["13000000001", "汶阳市", "城镇", "女", "22", "x"]]
    path = write_csv(tmp_path / "bad.csv", rows)
    inline = frames.import_file(frame.id, path, MAPPING, allow_partial=True, parallel=False)
    inline_units = db.session.execute(select(FrameUnit.phone_hash, FrameUnit.region_id, FrameUnit.cell, FrameUnit.extra)
                                      .order_by(FrameUnit.phone_hash)).all()
    other = frames.create_frame("another")
    helper = frames.import_file(other.id, path, MAPPING, allow_partial=True, parallel=True)
    helper_units = db.session.execute(select(FrameUnit.phone_hash, FrameUnit.region_id, FrameUnit.cell, FrameUnit.extra)
                                      .where(FrameUnit.frame_id == other.id).order_by(FrameUnit.phone_hash)).all()
    assert (helper.imported, helper.rejected, helper.errors) == (inline.imported, inline.rejected, inline.errors)
    assert helper_units == inline_units and len(helper_units) == 2


def test_a_failure_in_the_helper_process_fails_the_import_cleanly(db, frame, tmp_path, monkeypatch):
    def broken(self):
        raise OSError("disk went away")
        yield  # a generator, like the real one

    monkeypatch.setattr(frames._RowChecker, "batches", broken)
    with pytest.raises(RuntimeError, match="disk went away"):
        frames.import_file(frame.id, write_csv(tmp_path / "f.csv", GOOD), MAPPING, parallel=True)
    db.session.rollback()
    assert units(db, frame) == 0


def test_a_phone_number_in_an_extra_column_is_kept_only_masked(db, frame, tmp_path):
    header = [*HEADER[:5], "备用电话"]
    path = write_csv(tmp_path / "f.csv", [["13812345678", "城中区", "城镇", "男", "30", "139 0000 0002"]], header)
    frames.import_file(frame.id, path, MAPPING)
    unit = db.session.scalars(select(FrameUnit)).one()
    assert unit.extra == {"备用电话": "139****0002"}


def test_a_phone_number_among_other_words_is_kept_only_masked_too(db, frame, tmp_path):
    """Found by the whole-flow scan (tests/workers/test_no_clear_numbers.py): only a cell that was a number and
    nothing else used to be masked; "备用电话 139…" was kept in clear."""
    header = [*HEADER[:5], "备注"]
    row = ["13812345678", "城中区", "城镇", "男", "30", "备用电话 13900000002，找张三"]
    path = write_csv(tmp_path / "f.csv", [row], header)
    frames.import_file(frame.id, path, MAPPING)
    assert db.session.scalars(select(FrameUnit)).one().extra == {"备注": "备用电话 139****0002，找张三"}


def test_a_number_in_the_wrong_column_is_masked_in_the_error_report(db, frame, tmp_path):
    rows = [["13812345678", "13900000002", "城镇", "男", "30", ""],  # the second number in the district column
            ["13812345679", "城中区", "城镇", "男", "13900000003", ""]]  # and in the age column
    record = frames.import_file(frame.id, write_csv(tmp_path / "f.csv", rows), MAPPING)
    assert record.status == "rejected"
    assert [e["value"] for e in record.errors] == ["139****0002", "139****0003"]
