"""The web layer: one blueprint per area. Views parse, authorise, call a service, render."""

from __future__ import annotations

from flask import Flask

from . import admin, errors, filters, jobs, main, security


def init_web(app: Flask) -> None:
    app.register_blueprint(main.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(admin.bp)
    errors.init_errors(app)
    filters.init_filters(app)
    security.init_security(app)
