"""Deadlines in working days, Asia/Shanghai: urgent the same day, normal 5 working days, complex 15."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.errors import ValidationError
from survey.issues.deadlines import (
    add_working_days,
    deadline,
    end_of_day,
    is_overdue,
    is_working_day,
    working_days_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


FRIDAY_10 = local(2026, 11, 20, 10, 0)  # Friday 20 November 2026, 10:00 in Shanghai = 02:00 UTC


def test_normal_is_the_end_of_the_fifth_working_day_after_assignment():
    # Mon 23, Tue 24, Wed 25, Thu 26, Fri 27.
    assert deadline(FRIDAY_10, "normal") == local(2026, 11, 27, 23, 59, 59)
    assert deadline(FRIDAY_10, "normal") == datetime(2026, 11, 27, 15, 59, 59, tzinfo=UTC)


def test_complex_is_the_end_of_the_fifteenth_working_day():
    # Three full weeks: 23–27 Nov, 30 Nov–4 Dec, 7–11 Dec.
    assert deadline(FRIDAY_10, "complex") == local(2026, 12, 11, 23, 59, 59)


def test_urgent_is_the_end_of_the_same_local_day():
    assert deadline(FRIDAY_10, "urgent") == local(2026, 11, 20, 23, 59, 59)


def test_urgent_on_a_weekend_is_still_the_same_day():
    assert deadline(local(2026, 11, 21, 9, 0), "urgent") == local(2026, 11, 21, 23, 59, 59)


def test_the_day_is_shanghais_not_utcs():
    friday_evening_utc = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # Saturday 01:00 in Shanghai
    assert deadline(friday_evening_utc, "urgent") == local(2026, 11, 21, 23, 59, 59)
    # From Saturday the 5 working days are again Mon 23 – Fri 27.
    assert deadline(friday_evening_utc, "normal") == local(2026, 11, 27, 23, 59, 59)


def test_the_day_of_assignment_never_counts_however_early():
    monday_8 = local(2026, 11, 23, 8, 0)
    assert deadline(monday_8, "normal") == local(2026, 11, 30, 23, 59, 59)  # Tue 24 … Mon 30


def test_holidays_are_skipped_and_make_up_workdays_count():
    # Hypothetical National Day week: 1–7 October 2026 off, Saturday 10 October worked instead (调休).
    golden_week = {date(2026, 10, d) for d in range(1, 8)}
    assigned = local(2026, 9, 30, 15, 0)  # Wednesday
    assert deadline(assigned, "normal") == local(2026, 10, 7, 23, 59, 59)  # weekends only: 1, 2, 5, 6, 7
    assert deadline(assigned, "normal", holidays=golden_week) == local(2026, 10, 14, 23, 59, 59)  # 8, 9, 12, 13, 14
    assert deadline(assigned, "normal", holidays=golden_week, workdays={date(2026, 10, 10)}) == \
        local(2026, 10, 13, 23, 59, 59)  # 8, 9, 10, 12, 13


def test_unknown_urgency_is_a_validation_error_and_naive_times_a_bug():
    with pytest.raises(ValidationError, match="unknown urgency"):
        deadline(FRIDAY_10, "asap")
    with pytest.raises(ValueError, match="naive"):
        deadline(datetime(2026, 11, 20, 10, 0), "normal")


# working days elapsed -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("end", "elapsed"), [
    (local(2026, 11, 20, 23, 59), 0),  # the same day
    (local(2026, 11, 21, 12, 0), 0),  # Saturday
    (local(2026, 11, 22, 12, 0), 0),  # Sunday
    (local(2026, 11, 23, 0, 1), 1),  # Monday, just after midnight
    (local(2026, 11, 24, 18, 0), 2),  # Tuesday
    (local(2026, 11, 25, 9, 0), 3),  # Wednesday
    (local(2026, 11, 19, 9, 0), 0),  # before the start
])
def test_working_days_elapsed_count_whole_local_days_after_the_start(end, elapsed):
    assert working_days_between(FRIDAY_10, end) == elapsed


def test_a_department_may_return_an_issue_within_two_working_days():
    # Assigned Friday: returning on Tuesday is still allowed, on Wednesday it is too late.
    assert working_days_between(FRIDAY_10, local(2026, 11, 24, 17, 0)) <= 2
    assert working_days_between(FRIDAY_10, local(2026, 11, 25, 9, 0)) > 2


def test_holidays_do_not_count_as_elapsed_working_days():
    assert working_days_between(FRIDAY_10, local(2026, 11, 24, 9, 0), holidays={date(2026, 11, 23)}) == 1


def test_working_days_and_adding_them():
    assert not is_working_day(date(2026, 11, 21)) and is_working_day(date(2026, 11, 23))
    assert is_working_day(date(2026, 11, 21), workdays={date(2026, 11, 21)})
    assert not is_working_day(date(2026, 11, 23), holidays={date(2026, 11, 23)})
    assert add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    assert end_of_day(date(2026, 11, 20)) == datetime(2026, 11, 20, 15, 59, 59, tzinfo=UTC)


# overdue ------------------------------------------------------------------------------------------------------

def test_overdue_only_after_the_deadline_second():
    due = deadline(FRIDAY_10, "normal")
    assert not is_overdue(due, due - timedelta(hours=3))
    assert not is_overdue(due, due)
    assert not is_overdue(due, due + timedelta(milliseconds=999))
    assert is_overdue(due, due + timedelta(seconds=1))  # 00:00:00 on Saturday


# properties ---------------------------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC))
some_holidays = st.sets(st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 3, 31)), max_size=30)


@given(moments, st.sampled_from(["normal", "complex"]), some_holidays)
def test_a_deadline_ends_a_local_working_day_the_right_number_of_working_days_on(assigned, urgency, holidays):
    due = deadline(assigned, urgency, holidays=holidays)
    due_local = due.astimezone(SHANGHAI)
    assert due_local.time().isoformat() == "23:59:59"
    assert is_working_day(due_local.date(), holidays=holidays)
    assert working_days_between(assigned, due, holidays=holidays) == {"normal": 5, "complex": 15}[urgency]
    assert due_local.date() - assigned.astimezone(SHANGHAI).date() >= timedelta(days=5 if urgency == "normal" else 15)


@given(moments)
def test_urgent_is_on_the_local_day_of_assignment(assigned):
    due = deadline(assigned, "urgent")
    assert due.astimezone(SHANGHAI).date() == assigned.astimezone(SHANGHAI).date()
    assert timedelta(0) <= due - assigned < timedelta(days=1)


@given(moments, moments, st.sampled_from(["urgent", "normal", "complex"]))
def test_a_later_assignment_never_gets_an_earlier_deadline(a, b, urgency):
    first, second = sorted((a, b))
    assert deadline(first, urgency) <= deadline(second, urgency)
