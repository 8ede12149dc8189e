"""Logging in and out, throttling, landing pages per role, and the language switch."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey.models import ROLES, AuditEvent
from survey.services.accounts import MAX_FAILURES_PER_USERNAME

from ..conftest import PASSWORD, make_user

ROLE_HEADINGS = {  # what each role sees first after logging in (zh_CN)
    "admin": "系统管理",
    "coordinator": "调查轮次",
    "supervisor": "督导看板",
    "caller": "访问员工作台",
    "verifier": "暗访核查",
    "department": "问题诉求",
    "leader": "满意度报告",
}


def login(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


def test_login_page_is_in_chinese_by_default(client):
    body = client.get("/login").get_data(as_text=True)
    assert "登录" in body and "用户名" in body and 'lang="zh-CN"' in body


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_its_own_chinese_home_page(client, db, role):
    user = make_user(role)
    response = login(client, user.username)
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    heading = re.search(r"<h1>([^<]*)</h1>", page).group(1)
    assert ROLE_HEADINGS[role] in heading
    assert user.display_name in page


def test_navigation_shows_only_what_the_role_may_open(client, db):
    login(client, make_user("caller").username)
    page = client.get("/calls/").get_data(as_text=True)
    assert "我的访问" in page
    assert "/admin/" not in page and "/leader/" not in page


def test_wrong_password_is_refused_with_one_message_for_both_cases(client, db):
    user = make_user("leader")
    wrong = login(client, user.username, "not the password")
    unknown = login(client, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    assert "用户名或密码错误" in unknown.get_data(as_text=True)


def test_too_many_wrong_passwords_are_throttled_even_with_the_right_one(client, db):
    user = make_user("coordinator")
    for _ in range(MAX_FAILURES_PER_USERNAME):
        assert login(client, user.username, "wrong password").status_code == 401
    throttled = login(client, user.username)
    assert throttled.status_code == 429
    assert "分钟后再试" in throttled.get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == user.username)).all()
    assert actions.count("login.failed") == MAX_FAILURES_PER_USERNAME and "login.throttled" in actions


def test_a_successful_login_is_audited_and_clears_earlier_failures(client, db):
    user = make_user("verifier")
    login(client, user.username, "wrong password")
    assert login(client, user.username).status_code == 302
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login")).one()
    assert event.user_id == user.id and event.ip


def test_a_disabled_account_cannot_log_in(client, db):
    from survey.services import accounts

    user = make_user("caller")
    admin = make_user("admin")
    accounts.update_user(user, role="caller", department_code=None, display_name="", active=False, by=admin)
    response = login(client, user.username)
    assert response.status_code == 401 and "该账户已停用" in response.get_data(as_text=True)


def test_disabling_an_account_ends_its_open_session(as_role, db):
    from survey.services import accounts

    caller = as_role("caller")
    assert caller.get("/calls/").status_code == 200
    admin = make_user("admin")
    accounts.update_user(caller.user, role="caller", department_code=None, display_name="", active=False, by=admin)
    assert caller.get("/calls/").headers["Location"].startswith("/login")


def test_after_login_the_user_returns_to_the_page_they_asked_for_on_this_site_only(client, db):
    user = make_user("leader")
    first = client.get("/leader/")
    assert first.headers["Location"] == "/login?next=/leader/"
    assert login(client, user.username, next="/leader/").headers["Location"] == "/leader/"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert login(client, user.username, next=evil).headers["Location"] == "/", evil
        client.post("/logout")


def test_logout_ends_the_session(as_role):
    leader = as_role("leader")
    assert leader.post("/logout").headers["Location"] == "/login"
    assert leader.get("/leader/").status_code == 302


def test_english_switch_works_and_is_remembered_for_the_user(client, db):
    user = make_user("leader")
    login(client, user.username)
    client.post("/language", data={"lang": "en", "next": "/leader/"})
    page = client.get("/leader/", follow_redirects=True).get_data(as_text=True)
    assert "<h1>Satisfaction reports" in page and 'lang="en"' in page
    assert user.locale == "en"
    client.post("/logout")
    login(client, user.username)
    assert "<h1>Satisfaction reports" in client.get("/leader/", follow_redirects=True).get_data(as_text=True)


def test_language_can_be_chosen_before_logging_in(client):
    client.post("/language", data={"lang": "en", "next": "/login"})
    body = client.get("/login").get_data(as_text=True)
    assert "Log in" in body and "登录" not in body


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert "登录" in client.get("/login").get_data(as_text=True)
