"""The landing pages show what exists today."""

from __future__ import annotations

from survey.services.demo import load_demo


def test_coordinator_home_summarises_the_reference_data(as_role, db):
    load_demo()
    page = as_role("coordinator").get("/coordinator/").get_data(as_text=True)
    assert "<th>区县</th><td>6</td>" in page and "<th>测评指标</th><td>12</td>" in page
    assert "暂无调查轮次" in page


def test_department_home_names_the_liaisons_department(as_role):
    liaison = as_role("department")
    page = liaison.get("/department/", follow_redirects=True).get_data(as_text=True)
    assert f"<h1>{liaison.user.department.name_zh} 问题诉求</h1>" in page
