"""Settings: defaults here, overridden by ``SURVEY_*`` environment variables, then by test_config.

Nothing is read at import time; :func:`configure` is called by the app factory.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask


class Defaults:
    DATABASE_URL: str | None = None  # None → SQLite file under the instance folder
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    SECRET_KEY: str | None = None  # None → generated once into instance/secret_key
    PHONE_KEY: str | None = None  # key for phone-number encryption; same treatment as SECRET_KEY
    LANGUAGE: str = "zh_CN"
    TIMEZONE: str = "Asia/Shanghai"
    QUEUE_NAME: str = "default"
    # The enqueue after a commit must never hold a request hostage when Redis is down.
    REDIS_CONNECT_TIMEOUT: float = 0.5
    REDIS_SOCKET_TIMEOUT: float = 1.0
    SQLITE_BUSY_TIMEOUT_MS: int = 15_000
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    # Browsers treat http://127.0.0.1 and localhost as secure origins, so this holds for `make run` too.
    SESSION_COOKIE_SECURE: bool = True
    JOB_RETRY_INTERVALS: tuple[int, ...] = (10, 60, 300)  # seconds before each retry of a failed job
    INTERVIEW_PROCESS_DELAY: float = 0  # fault injection for tests only: a pause inside processing
    SESSION_COOKIE_NAME: str = "minsheng_session"
    PERMANENT_SESSION_LIFETIME: int = 12 * 3600
    REMEMBER_COOKIE_SECURE: bool = True
    REMEMBER_COOKIE_HTTPONLY: bool = True
    PASSWORD_HASH_METHOD: str = "scrypt"
    WTF_CSRF_TIME_LIMIT: int = 12 * 3600  # a caller's form stays valid through an evening shift
    JSON_SORT_KEYS: bool = False
    SEEDS_DIR: str | None = None  # None → <project>/seeds
    MAX_CONTENT_LENGTH: int = 256 * 1024 * 1024  # a million-row frame as XLSX fits
    # Phone numbers of rounds closed (or reported) this many days ago are erased; figures stay (services/retention.py).
    PHONE_RETENTION_DAYS: int = 180


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config``: defaults < ``SURVEY_*`` environment < ``test_config``."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("SURVEY", loads=_keep_strings)
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'survey.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    for name, filename in (("SECRET_KEY", "secret_key"), ("PHONE_KEY", "phone_key")):
        if app.config.get(name):
            app.config[name] = str(app.config[name])
        else:
            app.config[name] = instance_secret(instance, filename)
    if not app.config.get("SEEDS_DIR"):
        app.config["SEEDS_DIR"] = str(Path(app.root_path).parent / "seeds")


def _keep_strings(value: str) -> Any:
    """Environment values stay strings except for obvious numbers and booleans."""
    lowered = value.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def normalise_database_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here, whatever SQLAlchemy's default driver is."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Busy timeout at the driver level too; pragmas are set per connection in extensions.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def instance_secret(instance: Path, filename: str) -> str:
    """Read ``instance/filename``, creating it with a random key if absent.

    Safe when several processes start at once (gunicorn workers): the file is written whole to a
    temporary name and hard-linked into place, so the first writer wins and every reader sees a
    complete key.
    """
    path = instance / filename
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=f".{filename}.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
