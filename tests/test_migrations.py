"""Migrations: a single head; an empty database upgrades to it; the models match it exactly."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from survey.extensions import db

from .conftest import build_app, new_database

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_there_is_exactly_one_head():
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_an_empty_database_upgrades_to_head_with_no_drift_and_downgrades_back(tmp_path, redis_url):
    url, drop = new_database(tmp_path, "migrations")
    app = build_app(tmp_path, url, redis_url)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                drift = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                         db.metadata)
            assert drift == [], f"models and migrations differ: {drift}"

            flask_migrate.downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            flask_migrate.upgrade()
            assert {"region", "department", "indicator", "scale", "scale_option"} <= set(
                inspect(db.engine).get_table_names())
            db.engine.dispose()
    finally:
        drop()


def test_0012_recreates_frame_unit_under_rows_that_refer_to_it(tmp_path, redis_url):
    """SQLite cannot make a column nullable in place: the batch migration recreates frame_unit, which cases refer
    to. With foreign keys enforced that used to fail ("FOREIGN KEY constraint failed" on DROP TABLE); env.py turns
    them off for the run and checks every reference before the commit. Rows survive; down and up again work."""
    url, drop = new_database(tmp_path, "migration_0012")
    app = build_app(tmp_path, url, redis_url)
    rows = [
        "INSERT INTO region (id, code, level, name_zh, name_en, population, urban_share, position) "
        "VALUES (1, 'c', 'city', '城', 'City', 1, 0.5, 0)",
        "INSERT INTO frame (id, name, source, status, unit_count, extra_columns, created_at) "
        "VALUES (1, 'f', 'import', 'ready', 1, '[]', '2026-01-01 00:00:00')",
        "INSERT INTO frame_unit (id, frame_id, phone_hash, phone_enc, phone_kind, region_id, cell) "
        "VALUES (1, 1, :blob, :blob, 'mobile', 1, 0)",
        "INSERT INTO survey_round (id, name, status, frame_id, design, created_at, call_rules) "
        "VALUES (1, 'r', 'closed', 1, '{}', '2026-01-01 00:00:00', '{}')",
        "INSERT INTO stratum (id, round_id, position, key, label, population, target, issued, selected, "
        "replicate_size, released) VALUES (1, 1, 0, 'k', '{}', 1, 1, 1, 1, 1, 1)",
        "INSERT INTO survey_case (id, round_id, stratum_id, frame_unit_id, replicate, released) "
        "VALUES (1, 1, 1, 1, 1, true)",
    ]
    try:
        with app.app_context():
            flask_migrate.upgrade(revision="0011")
            with db.engine.begin() as conn:
                for statement in rows:
                    conn.execute(text(statement), {"blob": b"\x01" * 32})
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM frame_unit WHERE phone_enc IS NOT NULL")).scalar() == 1
                assert conn.execute(text("SELECT frame_unit_id FROM survey_case")).scalar() == 1
            flask_migrate.downgrade(revision="0011")
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                assert "erased_at" in {c["name"] for c in inspect(conn).get_columns("frame_unit")}
                assert conn.execute(text("SELECT count(*) FROM survey_case")).scalar() == 1
            db.engine.dispose()
    finally:
        drop()
