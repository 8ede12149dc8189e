"""Bad input never breaks a page: every form and JSON endpoint, posted garbage by a user allowed to use it, and every
query parameter a page reads, given the same garbage, answer with a refusal or a redirect (4xx/3xx, or the page
again) — never a 500, never an exception in the log.

The data behind the ids in the URLs is real: a small round simulated through the pipeline (cases, interviews,
issues, call-backs, verification tasks, a report), so the services get past "no such …" to the checks.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Request, url_for
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, PathConverter

from survey.models import ROLES, Callback, Case, Issue, User, Verification
from survey.services import simulation
from survey.web.policy import POLICY, PUBLIC

from ..conftest import log_in, make_fielding_round, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "survey" / "templates"
# Every field name any form of the product uses: the garbage goes where real values would.
FIELDS = sorted(set(re.findall(r'name="([a-z_0-9\-]+)"', "".join(p.read_text(encoding="utf-8")
                                                                    for p in TEMPLATES.rglob("*.html")))))
GARBAGE = {
    "empty": "",
    "long": "长" * 6000,
    "negative": "-1",
    "huge": "1e309",
    "huge whole number": "9" * 20,
    "not a number": "twelve",
    "control characters": "\x00\x1b[31m<script>alert(1)</script>",
    "sql": "1; DROP TABLE interview; --",
}
JSON_BODIES = ["not json", "[]", "null", '{"answers": "x", "idempotency_key": 5}',
               '{"answers": {"S1": "abc", "public_security": 7}, "idempotency_key": "abcdefgh12", "paradata": 3}',
               '{"outcome": {"x": 1}, "appointment_at": "yesterday"}']
NOW = datetime.now(UTC)


@pytest.fixture
def populated(app, db, tmp_path) -> dict[str, int]:
    """A recent simulated round: its loop under way, verification tasks and call-backs open."""
    round_id = make_fielding_round(tmp_path, "坏输入", people=4000, seed=12,
                                   design={"strata": ["region"], "target": 60, "completion_rate": 0.35})
    simulation.simulate_round(round_id, simulation.Settings(callers=3, falsifiers=1, seed=3,
                                                            start=NOW - timedelta(days=6)), now=NOW)
    return {"round_id": round_id,
            "issue_id": db.session.scalar(select(Issue.id).where(Issue.round_id == round_id).order_by(Issue.id)),
            "case_id": db.session.scalar(select(Case.id).where(Case.round_id == round_id).order_by(Case.id)),
            "callback_id": db.session.scalar(select(Callback.id).order_by(Callback.id)) or 1,
            "verification_id": db.session.scalar(select(Verification.id).order_by(Verification.id)) or 1}


def _url(app, rule, ids: dict[str, int]) -> str:
    args = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            args[name] = ids.get(name, 1)
        else:
            args[name] = "x/y" if isinstance(converter, PathConverter) else \
                {"fmt": "json", "action": "up", "job_id": "no-such-job"}.get(name, "sample")
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def _role(endpoint: str) -> str | None:
    rule = POLICY[endpoint]
    if rule.who == PUBLIC:
        return None
    allowed = sorted(ROLES) if isinstance(rule.who, str) else sorted(rule.who)
    return "coordinator" if "coordinator" in allowed else allowed[0]


def test_no_form_or_json_endpoint_fails_on_garbage_and_each_refusal_names_a_field(app, db, populated, caplog):
    users = {role: make_user(role, f"fuzz-{role}") for role in ROLES}
    failures, unnamed = [], []
    caplog.set_level(logging.ERROR)
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"GET", "HEAD", "OPTIONS"}
        if not methods or rule.endpoint in ("auth.logout",):
            continue
        role = _role(rule.endpoint)
        url = _url(app, rule, populated)
        for method in methods:
            tries = [("form " + name, {"data": {field: value for field in FIELDS}})
                     for name, value in GARBAGE.items()]
            tries += [("json " + body[:20], {"data": body, "content_type": "application/json"}) for body in JSON_BODIES]
            for label, kwargs in tries:
                client = app.test_client()
                if role:
                    log_in(client, users[role])
                caplog.clear()
                response = client.open(url, method=method, **kwargs)
                errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
                where = f"{method} {url} ({rule.endpoint}) as {role}, {label}: {response.status_code}"
                if response.status_code >= 500 or errors:
                    failures.append(where + (f"; logged {errors[0].getMessage()[:200]}" if errors else ""))
                elif response.status_code in (400, 422) and not names_a_field(response):
                    unnamed.append(where + f"; said {error_texts(response)}")
    assert failures == [], "\n".join(failures)
    assert unnamed == [], "refused without naming a field:\n" + "\n".join(unnamed)
    # The data is still there and whole: no garbage got in by a side door.
    assert db.session.scalar(select(User.id).where(User.username.like("%script%"))) is None


# A refusal names the field when the page marks the field's input invalid (its label is beside it), when an error
# message links to the field (href="#its-id"), or holds the field's name or its label on the page; a JSON refusal
# lists the field in details[].field.
_TAG = re.compile(r"<(input|select|textarea)\b[^>]*>")
_ERROR = re.compile(r'<(div|p|span)\b[^>]*(?:flash-error|field-error|role="alert")[^>]*>(.*?)</\1>', re.S)
_LABEL = re.compile(r'<label\b[^>]*\bfor="([^"]+)"[^>]*>(.*?)</label>', re.S)


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found and html.unescape(found.group(1))


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).strip()


def error_texts(response) -> list[str]:
    if response.is_json:
        return [str(response.get_json())[:300]]
    return [_text(m.group(2))[:200] for m in _ERROR.finditer(response.get_data(as_text=True))]


def names_a_field(response) -> bool:
    if response.is_json:
        details = (response.get_json() or {}).get("details") or []
        return any(isinstance(d, dict) and d.get("field") for d in details)
    page = response.get_data(as_text=True)
    tags = [m.group(0) for m in _TAG.finditer(page)]
    if any(_attribute(tag, "aria-invalid") == "true" and _attribute(tag, "name") for tag in tags):
        return True
    on_page = set(re.findall(r'\bid="([^"]+)"', page))
    if any(link in on_page for m in _ERROR.finditer(page) for link in re.findall(r'href="#([^"]+)"', m.group(2))):
        return True
    ids = {_attribute(tag, "id") for tag in tags if _attribute(tag, "name")}
    labels = {_text(text) for for_, text in _LABEL.findall(page) if for_ in ids}
    labels |= {_attribute(tag, "aria-label") for tag in tags if _attribute(tag, "name")}
    names = set(FIELDS) | {_attribute(tag, "name") for tag in tags if _attribute(tag, "name")}
    return any(any(_leads_with(text, name) for name in names) or any(label in text for label in labels if label)
               for text in error_texts(response))


def _leads_with(text: str, name: str) -> bool:
    """The message is about field ``name``: it opens with the name ("round must be a number") or names it before a
    colon ("target: must be a whole number")."""
    return re.match(rf"{re.escape(name)}(?![A-Za-z0-9_-])", text) is not None or \
        re.search(rf"(?<![A-Za-z0-9_-]){re.escape(name)}\s*[:：]", text) is not None


ASKED: set[str] = set()  # the query parameters the last request read


class _RecordingArgs(ImmutableMultiDict):
    """Query parameters that note every name a view (or its template) asks for."""

    def get(self, key, default=None, type=None):
        ASKED.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        ASKED.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        ASKED.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        ASKED.add(key)
        return super().__contains__(key)


class _RecordingRequest(Request):
    @property
    def args(self) -> _RecordingArgs:
        return _RecordingArgs(super().args)


def _query_parameters(app, users, ids) -> dict[str, tuple[str, str | None, list[str]]]:
    """For every GET endpoint: its URL, the role that may use it and the query parameters it reads when opened."""
    found = {}
    original, app.request_class = app.request_class, _RecordingRequest
    try:
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            role, url = _role(rule.endpoint), _url(app, rule, ids)
            client = app.test_client()
            if role:
                log_in(client, users[role])
            ASKED.clear()
            client.get(url)
            found[rule.endpoint] = (url, role, sorted(ASKED))
    finally:
        app.request_class = original
    return found


def test_no_query_parameter_of_a_page_fails_on_garbage(app, db, populated, caplog):
    users = {role: make_user(role, f"fuzz-{role}") for role in ROLES}
    pages = _query_parameters(app, users, populated)
    # The discovery sees what the views read (a check that it works, not the list to test).
    assert {"round", "page", "status"} <= set(pages["issues.index"][2]) and pages["issues.scorecard"][2]
    failures = []
    caplog.set_level(logging.ERROR)
    for endpoint, (url, role, names) in pages.items():
        for name in names:
            for kind, value in GARBAGE.items():
                client = app.test_client()
                if role:
                    log_in(client, users[role])
                caplog.clear()
                response = client.get(url, query_string={name: value})
                errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
                if response.status_code >= 500 or errors:
                    failures.append(f"GET {url}?{name}= ({endpoint}) as {role}, {kind}: {response.status_code}"
                                    + (f"; logged {errors[0].getMessage()[:200]}" if errors else ""))
                elif response.status_code in (400, 422) and name not in response.get_data(as_text=True):
                    failures.append(f"GET {url}?{name}= ({endpoint}) as {role}, {kind}: "
                                    f"{response.status_code} without naming {name}")
    assert failures == [], "\n".join(failures)


def test_an_id_too_large_for_the_database_matches_no_page(app, db):
    coordinator = make_user("coordinator")
    answers = {}
    for rule in app.url_map.iter_rules():
        ids = {name: 10**20 for name, c in rule._converters.items() if isinstance(c, IntegerConverter)}
        if "GET" in rule.methods and ids:
            client = app.test_client()
            log_in(client, coordinator)
            url = _url(app, rule, ids)
            answers[url] = client.get(url).status_code
    assert len(answers) > 20 and set(answers.values()) == {404}, answers  # SQLite could not even ask


def test_a_nul_character_is_refused_naming_its_field(as_role, db):
    answer = as_role("coordinator").post("/rounds/new", data={"name": "第一\x00轮", "frame_id": "1"})
    assert answer.status_code == 422
    assert "name" in answer.get_data(as_text=True)
    json_answer = as_role("caller").post("/calls/case/1/interview", json={"answers": {"fix": "路灯\x00坏了"}})
    assert json_answer.status_code == 422 and json_answer.get_json()["details"][0]["field"] == "answers.fix"


def test_a_refused_round_names_the_field_by_its_label_and_links_to_it(as_role, db):
    refused = as_role("coordinator").post("/rounds/new", data={"name": "第一轮", "frame_id": "第一个"})
    assert refused.status_code == 422
    assert '<a href="#frame_id">抽样框</a>' in refused.get_data(as_text=True)  # the label the form shows


def test_a_body_that_is_not_json_is_refused_as_the_field_at_fault(as_role, db):
    answer = as_role("caller").post("/calls/case/1/interview", data="{not json", content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["details"][0]["field"] == "body"
