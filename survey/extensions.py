"""Flask extensions, created unbound here and bound to an app in :func:`survey.create_app`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Constraint names are part of the schema: fixed names keep Alembic migrations portable between
# SQLite (batch mode recreates tables) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def select_locale() -> str:
    """The user's saved language, else the session's choice (login page), else the site default."""
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("lang") if request else None
    return chosen or current_app.config["LANGUAGE"]


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_locale=app.config["LANGUAGE"],
                   default_timezone=app.config["TIMEZONE"], default_translation_directories="translations")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])

    # Registered before every other hook (the login and the policy read the database): a request that
    # may write begins its transactions IMMEDIATE on SQLite (see SQLITE_BEGIN).
    @app.before_request
    def _writes_take_the_lock_up_front() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g.sqlite_begin_token = SQLITE_BEGIN.set("BEGIN IMMEDIATE")

    @app.teardown_request
    def _back_to_deferred(_exc) -> None:
        token = g.pop("sqlite_begin_token", None)
        if token is not None:
            try:
                SQLITE_BEGIN.reset(token)
            except ValueError:  # torn down in another context: just go back to the default
                SQLITE_BEGIN.set("BEGIN")


# How SQLite transactions begin in this context. A transaction that reads and later writes under a
# plain (deferred) BEGIN fails at once with "database is locked" when another connection wrote in
# between (WAL cannot upgrade a stale snapshot; the busy timeout does not apply). So work that writes
# — a POST, a job — begins IMMEDIATE: it waits (busy timeout) for the write lock up front instead.
SQLITE_BEGIN: ContextVar[str] = ContextVar("sqlite_begin", default="BEGIN")


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside take SQLite's write lock up front (no effect on PostgreSQL)."""
    token = SQLITE_BEGIN.set("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        SQLITE_BEGIN.reset(token)


def configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    """WAL, foreign keys and a busy timeout on every connection; explicit BEGIN.

    pysqlite opens transactions lazily and never for DDL or SAVEPOINT, which breaks nested
    transactions (the rolled-back test fixture, per-row savepoints) and makes ``BEGIN IMMEDIATE``
    impossible. Following SQLAlchemy's documented recipe, the driver is put in autocommit mode and
    SQLAlchemy emits BEGIN itself. A connection may ask for ``BEGIN IMMEDIATE`` (take the write lock
    up front, as a claim must) with ``connection.info["begin"] = "BEGIN IMMEDIATE"`` before it begins,
    or — through the session — ``db.session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})``
    as the first use of a new transaction.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk inserts into large indexes stay in memory
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        begin = connection.info.pop("begin", None) or connection.get_execution_options().get("sqlite_begin") \
            or SQLITE_BEGIN.get()
        connection.exec_driver_sql(begin)
