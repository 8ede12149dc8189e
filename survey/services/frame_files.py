"""Reading frame files row by row, whatever Excel or a statistics bureau produced.

CSV in UTF-8 (with or without BOM) or GBK/GB18030 — the usual export of Chinese Excel — with a
comma, tab, semicolon or bar; XLSX through openpyxl's read-only mode. Never the whole file in
memory: rows are yielded one at a time.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ValidationError

ENCODINGS = ("utf-8-sig", "gb18030")
CHUNK = 1 << 20


@dataclass
class FrameFile:
    path: Path
    kind: str  # csv | xlsx
    encoding: str | None
    header: list[str]
    size: int  # bytes (csv) or rows (xlsx), for progress

    def rows(self, progress_every: int = 0) -> Iterator[tuple[int, list[object], int]]:
        """``(row number in the file, values, progress position)`` for every data row (header is row 1)."""
        if self.kind == "csv":
            yield from _csv_rows(self.path, self.encoding)
        else:
            yield from _xlsx_rows(self.path)


def open_frame_file(path: str | Path) -> FrameFile:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        header, rows = _xlsx_header(path)
        return FrameFile(path, "xlsx", None, header, rows)
    if suffix not in (".csv", ".txt", ".tsv"):
        raise ValidationError(f"{path.name}: only CSV and XLSX files can be imported",
                              details=[{"field": "file", "message": "use a .csv or .xlsx file"}])
    encoding = detect_encoding(path)
    header = next((values for _, values, _ in _csv_rows(path, encoding, header=True)), None)
    if not header or not any(str(h).strip() for h in header):
        raise ValidationError(f"{path.name}: the first row must name the columns",
                              details=[{"row": 1, "field": "header", "message": "empty header row"}])
    return FrameFile(path, "csv", encoding, [str(h).strip() for h in header], path.stat().st_size)


def detect_encoding(path: Path) -> str:
    """UTF-8 if the whole file decodes as UTF-8, else GB18030 (a superset of GBK), else a clear error."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ValidationError(f"{path.name}: the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8",
                          details=[{"field": "file", "message": "unreadable text encoding"}])


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        return csv.excel


def _csv_rows(path: Path, encoding: str | None, header: bool = False) -> Iterator[tuple[int, list[object], int]]:
    raw = open(path, "rb")  # noqa: SIM115 - closed below; .tell() on it gives the progress position
    try:
        text = io.TextIOWrapper(raw, encoding=encoding or "utf-8-sig", newline="")
        sample = text.read(16_384)
        text.seek(0)
        reader = csv.reader(text, _dialect(sample))
        position = 0
        for number, values in enumerate(reader, start=1):
            if number == 1:
                if header:
                    yield number, values, 0
                    return
                continue
            if not "".join(values).strip():
                continue  # blank lines (or only spaces and empty cells) are not rows
            if number % 1024 == 0:  # the position is only for progress: asking the file each row costs
                position = raw.tell()
            yield number, values, position
    finally:
        raw.close()


def _xlsx_header(path: Path) -> tuple[list[str], int]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(f"{path.name}: not a readable XLSX file ({type(exc).__name__})",
                              details=[{"field": "file", "message": "unreadable XLSX"}]) from exc
    try:
        sheet = book.worksheets[0]
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        if not first or not any(v not in (None, "") for v in first):
            raise ValidationError(f"{path.name}: the first row must name the columns",
                                  details=[{"row": 1, "field": "header", "message": "empty header row"}])
        return ["" if v is None else str(v).strip() for v in first], sheet.max_row or 0
    finally:
        book.close()


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[object], int]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if number == 1 or not any(v not in (None, "") for v in values):
                continue
            yield number, list(values), number
    finally:
        book.close()
