"""Every endpoint × every role (and an anonymous visitor) against the policy table.

The endpoints come from the app's URL map, so a page added without a policy entry fails here.
"""

from __future__ import annotations

from flask import Flask, url_for
from werkzeug.routing import IntegerConverter, PathConverter

from survey.models import ROLES
from survey.web.policy import POLICY, PUBLIC

from ..conftest import build_app, log_in, make_user

SAMPLE_PATHS = {"static": {"filename": "css/app.css"}, "questionnaires.question_action": {"action": "up"},
                "admin.retry_job": {"job_id": "no-such-job"},
                "questionnaires.export": {"fmt": "json"}}


def _url(app: Flask, rule) -> str:
    args = dict(SAMPLE_PATHS.get(rule.endpoint, {}))
    for name, converter in rule._converters.items():
        if name not in args:
            args[name] = 1 if isinstance(converter, IntegerConverter) else (
                "x/y" if isinstance(converter, PathConverter) else "sample")
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def _outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 401 or (response.status_code == 302 and location.startswith("/login?next=")):
        return "login required"
    if response.status_code == 403:
        return "forbidden"
    return "allowed"


def users_by_role() -> dict[str, str]:
    """One user per role, as session ids (they stay valid across requests of any app)."""
    return {role: make_user(role).get_id() for role in ROLES}


def matrix_problems(app: Flask, users: dict[str, str]) -> list[str]:
    """Try every endpoint and method as each role and anonymously; list every disagreement with POLICY."""
    problems = []
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    problems += [f"{e}: no entry in the policy table" for e in sorted(endpoints - set(POLICY))]
    problems += [f"{e}: policy entry for an endpoint that does not exist" for e in sorted(set(POLICY) - endpoints)]
    for rule in app.url_map.iter_rules():
        policy = POLICY.get(rule.endpoint)
        url = _url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in (None, *ROLES):
                client = app.test_client()
                if role:
                    log_in(client, users[role])
                got = _outcome(client.open(url, method=method))
                if policy is None:
                    expected = "forbidden"  # refused to everyone, even before a login
                elif policy.allows(role):
                    expected = "allowed"
                else:
                    expected = "login required" if role is None else "forbidden"
                if got != expected:
                    problems.append(f"{method} {url} ({rule.endpoint}) as {role or 'anonymous'}: "
                                    f"{got}, policy says {expected}")
    return problems


def test_every_endpoint_answers_every_role_as_the_policy_says(app, db, redis):
    assert matrix_problems(app, users_by_role()) == []


def test_the_matrix_covers_every_endpoint_of_the_app(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints <= set(POLICY), sorted(endpoints - set(POLICY))


def test_an_endpoint_missing_from_the_policy_fails_the_matrix_and_is_refused(tmp_path, redis_url, db):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", redis_url)

    @app.get("/forgotten")
    def forgotten():
        return "should never be served"

    users = users_by_role()
    problems = matrix_problems(app, users)
    assert problems == ["forgotten: no entry in the policy table"]
    admin = app.test_client()
    log_in(admin, users["admin"])
    assert admin.get("/forgotten").status_code == 403  # refused at run time too


def test_policy_rows_are_written_down_where_rows_matter():
    assert POLICY["home.caller"].rows and POLICY["home.department"].rows
    assert all(rule.who == PUBLIC or rule.who for rule in POLICY.values())
