"""Issue deadlines in working days, Asia/Shanghai (pure).

DOMAIN.md ("The complaint loop"): urgent issues are closed the same day, normal ones within 5 working
days, complex ones within 15. A deadline is the *end* of a local day (23:59:59 Asia/Shanghai), returned
in UTC for storage.

Weekends are non-working. Public holidays and the official make-up working weekends (调休上班) change
every year and are announced by the State Council each autumn, so they are not built in: pass them as
``holidays`` and ``workdays`` (a weekend date listed in ``workdays`` is a working day).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..errors import ValidationError
from ..i18n import N_

LOCAL = ZoneInfo("Asia/Shanghai")
URGENCIES = ("urgent", "normal", "complex")
WORKING_DAYS = {"normal": 5, "complex": 15}
END_OF_DAY = time(23, 59, 59)


def _local_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place on the clock: pass an aware (UTC) datetime")
    return moment.astimezone(LOCAL).date()


def is_working_day(day: date, *, holidays: Collection[date] = (), workdays: Collection[date] = ()) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(day: date, count: int, *, holidays: Collection[date] = (),
                     workdays: Collection[date] = ()) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself never counts, working or not)."""
    if count < 0:
        raise ValueError("count must not be negative")
    while count:
        day += timedelta(days=1)
        if is_working_day(day, holidays=holidays, workdays=workdays):
            count -= 1
    return day


def end_of_day(day: date) -> datetime:
    """23:59:59 of a local day, in UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LOCAL).astimezone(UTC)


def deadline(assigned_at: datetime, urgency: str, *, holidays: Collection[date] = (),
             workdays: Collection[date] = ()) -> datetime:
    """When an issue assigned at ``assigned_at`` must be closed, in UTC.

    urgent: the end of the local day of assignment — also on a weekend or holiday: an urgent issue (a gas
    leak, no water) is urgent because it cannot wait for Monday. normal / complex: the end of the 5th / 15th
    working day after the day of assignment (the day of assignment never counts, even assigned at 08:00).
    """
    day = _local_day(assigned_at)
    if urgency == "urgent":
        return end_of_day(day)
    if urgency not in WORKING_DAYS:
        raise ValidationError(N_("unknown urgency: %(urgency)s (urgent, normal or complex)"),
                              params={"urgency": str(urgency)[:20]},
                              details=[{"field": "urgency", "message": f"unknown urgency: {str(urgency)[:20]}"}])
    return end_of_day(add_working_days(day, WORKING_DAYS[urgency], holidays=holidays, workdays=workdays))


def working_days_between(start: datetime, end: datetime, *, holidays: Collection[date] = (),
                         workdays: Collection[date] = ()) -> int:
    """Whole working days elapsed: working days after ``start``'s local day up to and including ``end``'s.

    Assigned Friday, returned Tuesday: Monday and Tuesday, 2 (so "within 2 working days" is ``<= 2``).
    0 when ``end`` falls on ``start``'s local day or before it.
    """
    first, last = _local_day(start), _local_day(end)
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day, holidays=holidays, workdays=workdays)
    return count


def is_overdue(deadline_at: datetime, now: datetime) -> bool:
    """Past the deadline. The whole deadline second is still in time: 23:59:59.5 is not late, 00:00 is."""
    if deadline_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("compare aware datetimes only")
    return now - deadline_at >= timedelta(seconds=1)
