"""The admin's user pages: create, re-role, disable, set a password — errors next to their fields."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import Department, User

from ..conftest import PASSWORD


def test_admin_creates_a_department_liaison(as_role, db):
    db.session.add(Department(code="water", name_zh="水务局", name_en="Water"))
    db.session.commit()
    admin = as_role("admin")
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert "水务局" in form
    response = admin.post("/admin/users/new", data={
        "username": "water1", "display_name": "水务联络员", "role": "department", "department": "water",
        "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "water1"))
    assert user.department.code == "water"
    assert "water1" in admin.get("/admin/users").get_data(as_text=True)


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(as_role, db):
    admin = as_role("admin")
    response = admin.post("/admin/users/new", data={
        "username": "x1", "role": "department", "department": "", "password": "short", "confirm": "short"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "field-error" in body and "has-error" in body
    assert db.session.scalar(select(User).where(User.username == "x1")) is None


def test_admin_disables_a_user_and_changes_their_role(as_role, db):
    admin = as_role("admin")
    target = as_role("caller").user
    response = admin.post(f"/admin/users/{target.id}", data={
        "display_name": "新名字", "role": "supervisor", "department": "", "active": ""})
    assert response.status_code == 302
    db.session.refresh(target)
    assert (target.role, target.active, target.display_name) == ("supervisor", False, "新名字")


def test_admin_sets_a_password_with_the_policy_enforced(as_role, db):
    admin = as_role("admin")
    target = as_role("leader").user
    weak = admin.post(f"/admin/users/{target.id}/password", data={"pw-password": "123", "pw-confirm": "123"})
    assert weak.status_code == 422
    ok = admin.post(f"/admin/users/{target.id}/password",
                    data={"pw-password": "a new long passphrase", "pw-confirm": "a new long passphrase"})
    assert ok.status_code == 302


def test_editing_a_missing_user_is_a_404(as_role):
    assert as_role("admin").get("/admin/users/999999").status_code == 404
