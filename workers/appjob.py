"""An RQ Job class that runs every job inside a fresh application context."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from rq.job import Job

_app: Flask | None = None
_app_pid: int | None = None
_disposed_in: int | None = None


def bind_app(app: Flask) -> None:
    """Called once by the worker process before it starts taking jobs."""
    global _app, _app_pid
    _app, _app_pid = app, os.getpid()


class AppJob(Job):
    def perform(self) -> Any:
        if _app is None:
            raise RuntimeError("workers.appjob.bind_app(app) was not called in this worker")
        from survey.extensions import writing

        with _app.app_context(), writing():  # jobs write: take SQLite's write lock when a transaction begins
            _forget_inherited_connections()
            return super().perform()


def _forget_inherited_connections() -> None:
    """In a forked work horse, drop (without closing) the parent's pooled DB connections.

    Closing them would break the parent's; sharing them would interleave two processes on one
    socket. Done once per process; SimpleWorker runs in the parent and keeps its pool.
    """
    global _disposed_in
    pid = os.getpid()
    if pid != _app_pid and _disposed_in != pid:
        from survey.extensions import db

        db.engine.dispose(close=False)
        _disposed_in = pid
