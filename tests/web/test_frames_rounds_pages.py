"""The coordinator's frame and round pages, end to end.

Jobs run in-process here; tests/workers runs them in real worker processes.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import select

from survey.models import FrameImport, Round
from survey.services import frames, rounds
from survey.services.demo import load_demo

CSV = ("手机号码,区县,城乡,性别,年龄\n13812345678,城中区,城镇,男,30\n13912345678,湖西县,农村,女,50\n"
       "13712345678,城南区,城镇,女,41\n13612345678,河东市,农村,男,66\n")


def uploaded_file(client, mapping_url: str) -> Path:
    token = mapping_url.split("/uploads/")[1].split("/")[0]
    return next((Path(client.application.instance_path) / "uploads").glob(f"{token}.*"))


def upload(client, body: str = CSV, name: str = "测试框"):
    return client.post("/frames/upload", data={"frame_name": name, "file": (io.BytesIO(body.encode()), "f.csv")},
                       content_type="multipart/form-data")


def test_upload_map_and_import_a_frame(as_role, db, redis):
    load_demo()
    coordinator = as_role("coordinator")
    response = upload(coordinator)
    assert response.status_code == 302 and "/mapping" in response.headers["Location"]
    mapping_page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "138****5678" in mapping_page and "13812345678" not in mapping_page  # the preview masks numbers
    assert 'value="手机号码" selected' in mapping_page  # the heading was recognised
    form = {f"map_{k}": v for k, v in {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别",
                                        "age": "年龄"}.items()}
    started = coordinator.post(response.headers["Location"], data=form)
    assert started.status_code == 302
    record = db.session.scalars(select(FrameImport)).one()
    assert record.status == "pending" and record.job_id
    page = coordinator.get(started.headers["Location"]).get_data(as_text=True)
    assert 'data-job-url="/jobs/frame-import-' in page
    frames.run_import(record.id, uploaded_file(coordinator, response.headers["Location"]))
    page = coordinator.get(started.headers["Location"]).get_data(as_text=True)
    assert "4" in page and "frame-import" not in page


def test_a_bad_file_shows_its_problems_and_offers_the_report(as_role, db, redis):
    load_demo()
    coordinator = as_role("coordinator")
    location = upload(coordinator, CSV + "123,火星区,城镇,男,30\n").headers["Location"]
    form = {"map_phone": "手机号码", "map_region": "区县"}
    coordinator.post(location, data=form)
    record = db.session.scalars(select(FrameImport)).one()
    frames.run_import(record.id, uploaded_file(coordinator, location))
    page = coordinator.get(f"/frames/imports/{record.id}").get_data(as_text=True)
    assert "火星区" in page and "未知区县" in page
    report = coordinator.get(f"/frames/imports/{record.id}/errors.csv")
    assert report.mimetype == "text/csv" and "未知区县" in report.get_data(as_text=True)


def test_uploading_something_else_is_refused_with_a_message(as_role, db):
    coordinator = as_role("coordinator")
    response = coordinator.post("/frames/upload", data={"frame_name": "x", "file": (io.BytesIO(b"x"), "f.pdf")},
                                content_type="multipart/form-data", follow_redirects=True)
    assert "CSV" in response.get_data(as_text=True)


def _frame_with_units(db, tmp_path):
    load_demo()
    from survey.services.synthetic import write_synthetic_csv

    frame = frames.create_frame("synthetic")
    write_synthetic_csv(tmp_path / "f.csv", people=3000, seed=2)
    frames.import_file(frame.id, tmp_path / "f.csv",
                       {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"})
    return frame


def test_design_preview_create_draw_and_export(as_role, db, redis, tmp_path):
    frame = _frame_with_units(db, tmp_path)
    coordinator = as_role("coordinator")
    new_page = coordinator.get("/rounds/new").get_data(as_text=True)
    assert 'data-preview-url="/rounds/preview"' in new_page and "synthetic" in new_page
    design = {"frame_id": str(frame.id), "strata": ["region", "sex"], "method": "proportional", "target": "300",
              "base": "10", "completion_rate": "0.3"}
    preview = coordinator.post("/rounds/preview", data=design).json
    assert preview["ok"] and len(preview["strata"]) == 12 and preview["totals"]["target"] == 300
    bad = coordinator.post("/rounds/preview", data=design | {"target": "lots"}).json
    assert not bad["ok"] and bad["details"][0]["field"] == "target"
    assert bad["message"] == "目标成功样本量：必须是整数"  # the problem in the coordinator's language, by its label
    created = coordinator.post("/rounds/new", data=design | {"name": "第一轮"})
    assert created.status_code == 302
    round_ = db.session.scalars(select(Round)).one()
    detail = coordinator.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "城中区 · 男" in detail and 'name="seed"' in detail
    assert coordinator.post(f"/rounds/{round_.id}/draw", data={"seed": "42"}).status_code == 302
    assert round_.status == "sampling"
    assert 'data-job-url="/jobs/draw-round-' in coordinator.get(f"/rounds/{round_.id}").get_data(as_text=True)
    rounds.draw(round_.id)
    detail = coordinator.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert f"/rounds/{round_.id}/sample.csv" in detail and "城中区 · 男" in detail
    masked = coordinator.get(f"/rounds/{round_.id}/sample.csv").get_data(as_text=True)
    assert re.search(r",1\d\d\*\*\*\*\d{4}\r?$", masked.splitlines()[1])
    clear = coordinator.get(f"/rounds/{round_.id}/sample.csv?phones=1").get_data(as_text=True)
    assert re.search(r",1\d{10}\r?$", clear.splitlines()[1])


def test_a_rate_typed_into_a_strata_row_of_the_preview_is_that_strata_rate(as_role, db, tmp_path):
    frame = _frame_with_units(db, tmp_path)
    coordinator = as_role("coordinator")
    design = {"frame_id": str(frame.id), "strata": ["region"], "target": "300", "completion_rate": "0.3"}
    plain = {s["key"]: s for s in coordinator.post("/rounds/preview", data=design).json["strata"]}
    own = {s["key"]: s for s in coordinator.post("/rounds/preview", data=design | {
        "completion_rate.chengzhong": "0.15", "completion_rate.huxi": " "}).json["strata"]}
    assert own["chengzhong"]["rate"] == 0.15 and own["chengzhong"]["issued"] > plain["chengzhong"]["issued"]
    assert own["huxi"]["rate"] == 0.3 and own["huxi"]["issued"] == plain["huxi"]["issued"]  # blank: the overall
    bad = coordinator.post("/rounds/preview", data=design | {"completion_rate.chengzhong": "0"}).json
    assert not bad["ok"] and bad["details"][0]["field"] == "completion_rate.chengzhong"
    assert coordinator.post("/rounds/new", data=design | {"name": "分层成功率", "completion_rate.chengzhong": "0.15"}
                            ).status_code == 302
    round_ = db.session.scalars(select(Round)).one()
    assert round_.design["completion_rate"] == {"*": 0.3, "chengzhong": 0.15}
    assert "城中区 0.15" in coordinator.get(f"/rounds/{round_.id}").get_data(as_text=True)


def test_a_refused_round_form_keeps_the_rates_typed_into_the_preview(as_role, db, tmp_path):
    frame = _frame_with_units(db, tmp_path)
    page = as_role("coordinator").post("/rounds/new", data={"frame_id": str(frame.id), "target": "-5",
                                                            "completion_rate.chengzhong": "0.15"})
    assert page.status_code == 422 and "&#34;chengzhong&#34;: &#34;0.15&#34;" in page.get_data(as_text=True)


def test_a_bad_round_form_names_the_field(as_role, db, tmp_path):
    frame = _frame_with_units(db, tmp_path)
    response = as_role("coordinator").post("/rounds/new", data={"name": "x", "frame_id": str(frame.id),
                                                                "target": "-5"})
    assert response.status_code == 422 and "target" in response.get_data(as_text=True)


def test_an_infeasible_design_is_explained_in_chinese(as_role, db, tmp_path):
    frame = _frame_with_units(db, tmp_path)
    coordinator = as_role("coordinator")
    design = {"frame_id": str(frame.id), "strata": ["region"], "target": "600", "base": "200"}
    assert "每层固定基数 200 × 6 层共需 1200" in coordinator.post("/rounds/preview", data=design).json["message"]
    response = coordinator.post("/rounds/new", data=design | {"name": "太大"})
    assert response.status_code == 422 and "超过目标样本量 600" in response.get_data(as_text=True)


def test_a_mapping_without_the_phone_column_saves_nothing(as_role, db, redis):
    from survey.models import Frame

    coordinator = as_role("coordinator")
    location = upload(coordinator, name="不该建立").headers["Location"]
    response = coordinator.post(location, data={"map_region": "区县"})
    assert response.status_code == 200 and "电话号码：必须指定对应的列" in response.get_data(as_text=True)
    assert db.session.scalars(select(Frame).where(Frame.name == "不该建立")).first() is None
    assert db.session.scalars(select(FrameImport)).first() is None


def test_the_mapping_preview_masks_numbers_even_in_an_unmapped_column(as_role, db):
    coordinator = as_role("coordinator")
    body = "编号,备用电话,区县\n1,13812345678,城中区\n"
    location = upload(coordinator, body).headers["Location"]
    for page in (coordinator.get(location), coordinator.post(location, data={"map_region": "区县"})):
        text = page.get_data(as_text=True)
        assert "13812345678" not in text and "138****5678" in text
