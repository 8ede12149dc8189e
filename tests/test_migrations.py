"""Migrations: a single head; an empty database upgrades to it; the models match it exactly."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

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
