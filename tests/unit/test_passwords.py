"""The password policy: long enough, not common, not the user name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from survey.passwords import MIN_LENGTH, password_problems


def test_a_long_uncommon_password_passes():
    assert password_problems("river-lantern-42", username="wang") == []


def test_each_weakness_is_named():
    assert password_problems("short") == ["too_short"]
    assert "too_common" in password_problems("password123")
    assert "too_common" in password_problems("Password123!")
    assert "too_repetitive" in password_problems("aaaaaaaaaaaa")
    assert "contains_username" in password_problems("zhangwei-2026-x", username="zhangwei")


@given(st.text(min_size=0, max_size=MIN_LENGTH - 1))
def test_anything_shorter_than_the_minimum_is_refused(password):
    assert "too_short" in password_problems(password)


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=MIN_LENGTH, max_size=64))
def test_the_policy_never_crashes_and_only_uses_known_reasons(password):
    known = {"too_short", "too_long", "too_common", "too_repetitive", "contains_username"}
    assert set(password_problems(password, username="li")) <= known
