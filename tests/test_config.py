"""Settings come from SURVEY_* variables; secrets are generated per installation, never constants."""

from __future__ import annotations

import multiprocessing
import re
import subprocess
from pathlib import Path

from survey import create_app
from survey.config import instance_secret, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
CONSTANT_KEY = re.compile(r"(SECRET|PHONE)_KEY\s*=\s*['\"]")


def test_environment_variables_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("SURVEY_REDIS_URL", "redis://127.0.0.1:1/3")
    monkeypatch.setenv("SURVEY_LANGUAGE", "en")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'x.db'}"
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:1/3"
    assert app.config["LANGUAGE"] == "en"


def test_default_database_is_sqlite_in_the_instance_folder_and_zone_is_shanghai(tmp_path, monkeypatch):
    monkeypatch.delenv("SURVEY_DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'survey.db'}"
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert app.config["LANGUAGE"] == "zh_CN"


def test_postgresql_urls_use_psycopg_3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_secret_keys_are_generated_into_the_instance_folder_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    monkeypatch.delenv("SURVEY_PHONE_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert len(first.config["SECRET_KEY"]) >= 48
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["PHONE_KEY"] != first.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0, "the key file must be private"
    other = create_app({"INSTANCE_PATH": str(tmp_path / "elsewhere")})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def _read_secret(path: str) -> str:
    return instance_secret(Path(path), "secret_key")


def test_processes_starting_together_agree_on_one_secret_key(tmp_path):
    # gunicorn starts its workers at once; each must end up with the same complete key.
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        keys = pool.map(_read_secret, [str(tmp_path)] * 24)
    assert len(set(keys)) == 1 and len(keys[0]) >= 48


def test_no_secret_or_machine_path_is_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout (e.g. an sdist): nothing to check
        return
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".png", ".mo", ".xlsx", ".pdf"} or not path.is_file():
            continue
        body = path.read_text(encoding="utf-8", errors="replace")
        for machine_path in (str(ROOT), str(Path.home()) + "/"):
            assert machine_path not in body, f"{name} names a path of this machine: {machine_path}"
        assert not CONSTANT_KEY.search(body), f"{name} sets a constant secret key"
