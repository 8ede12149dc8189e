"""The web layer: one blueprint per area. Views parse, authorise, call a service, render."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import (
    admin,
    auth,
    callbacks,
    cati,
    design,
    errors,
    filters,
    frames,
    home,
    issues,
    jobs,
    main,
    navigation,
    policy,
    questionnaires,
    reports,
    rounds,
    security,
    simulation,
    verification,
)
from .forms import LARGEST_INTEGER


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs: a whole number the database can hold. A larger one matches no route (404) instead of
    reaching a query the driver cannot send (SQLite's OverflowError)."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = LARGEST_INTEGER,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
    for blueprint in (main.bp, auth.bp, home.bp, jobs.bp, admin.bp, frames.bp, rounds.bp, questionnaires.bp, cati.bp,
                      issues.bp, verification.bp, callbacks.bp, reports.bp, design.bp,
                      simulation.bp):
        app.register_blueprint(blueprint)
    from ..extensions import login_manager

    login_manager.login_view = "auth.login"
    policy.init_policy(app)
    errors.init_errors(app)
    filters.init_filters(app)
    navigation.init_navigation(app)
    security.init_security(app)
