"""Template filters: times are stored in UTC and shown in the app's time zone, formatted by Babel."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, format_decimal, format_percent, get_locale, gettext


def local_time(value: datetime | str | None, fmt: str = "yyyy-MM-dd HH:mm:ss") -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, fmt)


def number(value: float | int | None) -> str:
    return "—" if value is None else format_decimal(value)


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else format_percent(value, format="#,##0." + "0" * digits + "%")


def localised(message) -> str:
    """A message object with ``template`` and ``params`` (a check's problem, a version change) in the
    reader's language; string values that are themselves marked messages (field names) are translated too."""
    params = {k: gettext(v) if isinstance(v, str) else v for k, v in (message.params or {}).items()}
    text = gettext(message.template)
    return text % params if params else text


def local_name(thing) -> str:
    """A department's, region's or indicator's name in the reader's language ("—" for none)."""
    if thing is None:
        return "—"
    english = str(get_locale() or "").startswith("en")
    return (thing.name_en if english else thing.name_zh) or thing.name_zh


def fixed(value: float | None, digits: int = 1) -> str:
    """A figure with a fixed number of decimals ("—" when there is none)."""
    return "—" if value is None else format_decimal(value, format="#,##0." + "0" * digits)


def without(mapping, *keys: str) -> dict:
    """Query arguments without some keys (a page link keeps the filters, not the page)."""
    return {k: v for k, v in dict(mapping).items() if k not in keys}


def init_filters(app: Flask) -> None:
    for f in (local_time, number, percent, localised, local_name, without, fixed):
        app.add_template_filter(f)
