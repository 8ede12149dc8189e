"""Accounts: validation with named fields, role changes audited, no self lock-out, CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.errors import InvalidState, ValidationError
from survey.models import AuditEvent
from survey.services import accounts

from ..conftest import PASSWORD, make_user


def test_creating_a_user_checks_every_field(db):
    with pytest.raises(ValidationError) as weak:
        accounts.create_user("wang", password="123", role="caller")
    assert weak.value.details[0]["field"] == "password"
    with pytest.raises(ValidationError) as role:
        accounts.create_user("wang", password=PASSWORD, role="emperor")
    assert role.value.details[0]["field"] == "role"
    with pytest.raises(ValidationError) as dept:
        accounts.create_user("wang", password=PASSWORD, role="department")
    assert dept.value.details[0]["field"] == "department"
    make_user("caller", "Wang")
    with pytest.raises(ValidationError) as taken:
        accounts.create_user("wang", password=PASSWORD, role="caller")  # names are case-insensitive
    assert taken.value.details[0]["field"] == "username"


def test_passwords_are_hashed(db):
    user = make_user("caller")
    assert PASSWORD not in user.password_hash and accounts.password_matches(user, PASSWORD)


def test_a_role_change_is_audited_with_before_and_after(db):
    admin, user = make_user("admin"), make_user("caller")
    accounts.update_user(user, role="supervisor", department_code=None, display_name="", active=True, by=admin)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role_changed")).one()
    assert event.user_id == admin.id and event.target_id == str(user.id)
    assert event.details["role"] == ["caller", "supervisor"]


def test_an_admin_cannot_demote_or_disable_themselves(db):
    admin = make_user("admin")
    with pytest.raises(InvalidState):
        accounts.update_user(admin, role="leader", department_code=None, display_name="", active=True, by=admin)
    with pytest.raises(InvalidState):
        accounts.update_user(admin, role="admin", department_code=None, display_name="", active=False, by=admin)


def test_changing_the_password_ends_old_sessions(db):
    user = make_user("leader")
    old_session = user.get_id()
    accounts.set_password(user, "a brand new passphrase")
    assert accounts.load_session_user(old_session) is None
    assert accounts.load_session_user(user.get_id()) is user


def test_cli_creates_users_and_sets_passwords(app, db):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "liu", "--role", "coordinator"],
                            env={"SURVEY_USER_PASSWORD": PASSWORD})
    assert created.exit_code == 0, created.output
    refused = runner.invoke(args=["users", "set-password", "liu"], env={"SURVEY_USER_PASSWORD": "short"})
    assert refused.exit_code != 0 and "at least 10 characters" in refused.output
    changed = runner.invoke(args=["users", "set-password", "liu"], env={"SURVEY_USER_PASSWORD": "another long one"})
    assert changed.exit_code == 0, changed.output
    assert accounts.password_matches(accounts.find_user("liu"), "another long one")
