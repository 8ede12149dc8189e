"""The audit log's filters and export files. Pure: no Flask, no database.

- :func:`parse_filters` reads a date range (local dates, both ends included) and an event kind from query
  arguments, and refuses bad values naming the field (``from``, ``to``, ``kind``, ``page``).
- :func:`export_row` turns an event into a row with its time in the local zone (Asia/Shanghai by default).
- :func:`to_csv` (UTF-8 with a BOM, so Excel reads Chinese) and :func:`to_xlsx` (openpyxl's write-only mode:
  memory stays flat however long the log) write the rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .errors import ValidationError
from .i18n import N_

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_PAGE = 1_000_000
HEADERS = (N_("Event"), N_("Time (%(zone)s)"), N_("Who"), N_("What"), N_("Object"), N_("Object id"),
           N_("IP address"), N_("Details"))


@dataclass(frozen=True)
class Filters:
    start: date | None = None  # first local day included
    end: date | None = None  # last local day included
    kind: str | None = None  # an event kind (audit_event.action), e.g. "case.phone_revealed"

    def bounds(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """UTC instants [from, until): local midnight of the first day to local midnight after the last."""
        start = datetime.combine(self.start, time(), zone).astimezone(UTC) if self.start else None
        until = datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(UTC) if self.end else None
        return start, until

    def args(self) -> dict[str, str]:
        """As query arguments (for links that keep the filters)."""
        out = {}
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        if self.kind:
            out["kind"] = self.kind
        return out


def _date(value: str) -> date | None:
    if not DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_filters(args: Mapping[str, Any], kinds: Collection[str]) -> Filters:
    """The filters from query arguments; :class:`ValidationError` naming every bad field."""
    problems: list[dict[str, str]] = []
    values = {}
    for name in ("from", "to"):
        raw = str(args.get(name) or "").strip()
        values[name] = _date(raw) if raw else None
        if raw and values[name] is None:
            problems.append({"field": name, "message": N_("a date written like 2026-01-31")})
    if values["from"] and values["to"] and values["from"] > values["to"]:
        problems.append({"field": "to", "message": N_("on or after the first day (from)")})
    kind = str(args.get("kind") or "").strip() or None
    if kind is not None and kind not in kinds:
        problems.append({"field": "kind", "message": N_("not an event kind in the log")})
    if problems:
        raise ValidationError(N_("the audit log filter is not valid: %(fields)s"),
                              params={"fields": ", ".join(p["field"] for p in problems)}, details=problems)
    return Filters(values["from"], values["to"], kind)


def parse_page(value: Any) -> int:
    raw = str(value or "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ValidationError(N_("the audit log filter is not valid: %(fields)s"), params={"fields": "page"},
                              details=[{"field": "page", "message": N_("a whole number from 1 to 1,000,000")}])
    return int(raw)


def export_row(event_id: int, at: datetime, actor: str, action: str, target_type: str | None,
               target_id: str | None, ip: str | None, details: dict[str, Any] | None, zone: ZoneInfo) -> list[Any]:
    local = at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    return [event_id, local, actor, action, target_type or "", target_id or "", ip or "",
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True)]


# A cell a spreadsheet would read as a formula (a user name typed at the login form may be "=HYPERLINK(…)").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters an XLSX file cannot hold (openpyxl refuses them): shown as U+FFFD.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _inert(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 with a BOM; text that would start a formula gets a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([_inert(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(headers: list[str], rows: Iterable[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    book = Workbook(write_only=True)
    sheet = book.create_sheet("".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "audit")
    for column, width in zip("ABCDEFGH", (9, 20, 16, 26, 16, 10, 16, 80), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    font, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F6F8B")
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill = font, fill
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=ILLEGAL_XML.sub("\ufffd", value) if isinstance(value, str) else value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: "=…" is not a formula here
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
