"""The web layer: one blueprint per area. Views parse, authorise, call a service, render."""

from __future__ import annotations

from flask import Flask

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


def init_web(app: Flask) -> None:
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
