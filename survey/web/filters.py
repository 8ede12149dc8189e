"""Template filters: times are stored in UTC and shown in the app's time zone, formatted by Babel."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, format_decimal, format_percent


def local_time(value: datetime | str | None, fmt: str = "yyyy-MM-dd HH:mm:ss") -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, fmt)


def number(value: float | int | None) -> str:
    return "—" if value is None else format_decimal(value)


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else format_percent(value, format="#,##0." + "0" * digits + "%")


def init_filters(app: Flask) -> None:
    for f in (local_time, number, percent):
        app.add_template_filter(f)
