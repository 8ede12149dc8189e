"""Fixtures shared by the whole suite.

Two tiers:
- ``app`` / ``db`` / ``client``: one migrated database per test session; every test runs inside a
  transaction that is rolled back, so tests cannot see each other's rows.
- ``committed_app`` (+ ``worker``): a database of its own per test module with real commits, for
  tests where other OS processes (RQ workers, gunicorn) must see the data.

``redis`` is a real server: ``SURVEY_REDIS_URL`` if set (it is flushed!), else a private
``redis-server`` started for the session. The database is SQLite unless
``SURVEY_TEST_DATABASE_URL`` names a PostgreSQL server, on which each tier creates (and drops)
databases of its own.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from survey import create_app, redis_server
from survey.config import normalise_database_url
from survey.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("SURVEY_TEST_DATABASE_URL")


def new_database(tmp_dir: Path, label: str) -> tuple[str, Callable[[], None]]:
    """A fresh, empty database; returns its URL and a function that drops it."""
    if not PG_URL:
        return f"sqlite:///{tmp_dir / (label + '.db')}", lambda: None
    url = make_url(normalise_database_url(PG_URL))
    name = f"survey_{label}_{uuid.uuid4().hex[:8]}".lower()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


class FreshContextClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as in production.

    The ``db`` fixture keeps an app context pushed for the whole test, and Flask reuses a pushed
    context of the same app for requests, so ``g`` (Flask-Login's user, Flask-Babel's locale)
    would otherwise leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name)
        return super().open(*args, **kwargs)


def build_app(tmp_dir: Path, database_url: str, redis_url: str, **overrides) -> Flask:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_dir / "instance"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        "PHONE_KEY": "test-phone-" + uuid.uuid4().hex,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashes: tests create many users
        **overrides,
    }
    application = create_app(config)
    application.test_client_class = FreshContextClient
    return application


@contextlib.contextmanager
def migrated_app(tmp: Path, label: str, redis_url: str) -> Iterator[Flask]:
    """An app on a new database upgraded to head; the database is dropped afterwards."""
    url, drop = new_database(tmp, label)
    application = build_app(tmp, url, redis_url)
    try:
        with application.app_context():
            flask_migrate.upgrade()
            _db.engine.dispose()
        yield application
    finally:
        with application.app_context():
            _db.engine.dispose()
        drop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    url = os.environ.get("SURVEY_REDIS_URL")
    if url:
        yield url
        return
    daemon = redis_server.start(tmp_path_factory.mktemp("redis"))
    yield daemon.url
    daemon.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory, redis_url) -> Iterator[Flask]:
    with migrated_app(tmp_path_factory.mktemp("app"), "main", redis_url) as application:
        yield application


@pytest.fixture
def db(app) -> Iterator:
    """The database inside a transaction that is rolled back after the test.

    Services commit as usual: their commits release savepoints of the outer transaction.
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own would pick the engine over this connection.
        session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        original, _db.session = _db.session, session
        try:
            yield _db
        finally:
            session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def redis(redis_url) -> Iterator[Redis]:
    conn = Redis.from_url(redis_url)
    conn.flushdb()
    yield conn
    conn.close()


# --- committed tier -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def committed_app(tmp_path_factory, redis_url) -> Iterator[Flask]:
    with migrated_app(tmp_path_factory.mktemp("committed"), "committed", redis_url) as application:
        yield application


def process_env(app: Flask) -> dict[str, str]:
    """Environment that points another process at the same database, Redis and secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update({
        "SURVEY_DATABASE_URL": app.config["DATABASE_URL"],
        "SURVEY_REDIS_URL": app.config["REDIS_URL"],
        "SURVEY_INSTANCE_PATH": app.instance_path,
        "SURVEY_SECRET_KEY": app.config["SECRET_KEY"],
        "SURVEY_PHONE_KEY": app.config["PHONE_KEY"],
        "PYTHONPATH": str(ROOT),
    })
    return env


@pytest.fixture
def worker(committed_app):
    """Run ``python -m workers`` as a real OS process against the committed database."""
    started: list[subprocess.Popen] = []

    def run(*args: str, burst: bool = True, timeout: float = 60) -> subprocess.Popen | subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "workers", *(["--burst"] if burst else []), *args]
        if burst:
            return subprocess.run(cmd, env=process_env(committed_app), cwd=ROOT, timeout=timeout,
                                  capture_output=True, text=True)
        proc = subprocess.Popen(cmd, env=process_env(committed_app), cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(proc)
        return proc

    yield run
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(committed_app, tmp_path) -> Iterator[str]:
    """The production server (gunicorn, 2 workers × 4 threads) on the committed database; its URL.

    Fails the test if the server logged a traceback. CSRF and secure cookies are off for the clients.
    """
    port = _free_port()
    env = {**process_env(committed_app), "SURVEY_WTF_CSRF_ENABLED": "false", "SURVEY_SESSION_COOKIE_SECURE": "false"}
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:  # a file, not a pipe: an unread pipe would block the server
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
                                 f"127.0.0.1:{port}", "--graceful-timeout", "5", "--no-control-socket", "wsgi:app"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"gunicorn did not start: {log_path.read_text()[-3000:]}")
                time.sleep(0.2)
        yield base
        proc.terminate()
        proc.wait(timeout=30)
    text = log_path.read_text()
    assert "Traceback" not in text, text[-3000:]


# --- people ---------------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"


def make_user(role: str, username: str | None = None, *, password: str = PASSWORD, department: str | None = None):
    """A committed user of ``role`` (liaisons get a department of their own unless ``department`` names one)."""
    from survey.models import Department
    from survey.services import accounts

    department_code = department
    if role == "department" and department is None:
        department_code = f"dept_{uuid.uuid4().hex[:6]}"
        _db.session.add(Department(code=department_code, name_zh="测试局", name_en="Test bureau"))
        _db.session.flush()
    return accounts.create_user(username or f"{role}_{uuid.uuid4().hex[:6]}", password=password, role=role,
                                department_code=department_code)


def log_in(client, user) -> None:
    """Put ``user`` (or its session id) in the client's session, as Flask-Login does after a login."""
    session_id = user if isinstance(user, str) else user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True


@pytest.fixture
def as_role(app, db):
    """``as_role("coordinator")`` → a test client logged in as a new user of that role."""

    def make(role: str):
        client = app.test_client()
        client.user = make_user(role)
        log_in(client, client.user)
        return client

    return make


# --- fieldwork on committed data ----------------------------------------------------------------------

from survey.services.synthetic import SYNTHETIC_MAPPING as FRAME_MAPPING  # noqa: E402


def make_fielding_round(tmp: Path, name: str, *, people: int, seed: int, design: dict | None = None) -> int:
    """The demo city, a synthetic frame, a drawn round in the field all day with the default questionnaire;
    committed (call inside an app context). Returns the round's id."""
    from survey.services import frames, lifecycle, questionnaires, rounds
    from survey.services.demo import load_demo
    from survey.services.synthetic import write_synthetic_csv

    load_demo()
    frame = frames.create_frame(f"{name} 样本框")
    path = tmp / f"{seed}-{people}.csv"
    write_synthetic_csv(path, people=people, seed=seed)
    frames.import_file(frame.id, path, FRAME_MAPPING)
    coordinator = make_user("coordinator")
    round_ = rounds.create_round(name, frame.id, design or {"strata": ["region"], "target": 60,
                                                            "completion_rate": 0.5},
                                 by=coordinator, questionnaire_id=questionnaires.list_questionnaires()[0].id)
    rounds.draw(round_.id, seed=seed)
    lifecycle.change_status(round_.id, "fielding", by=coordinator)
    round_.call_rules = {"windows": [["00:00", "24:00"]]}
    _db.session.commit()
    return round_.id
