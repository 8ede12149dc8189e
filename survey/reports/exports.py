"""A report snapshot as tables (for the page, XLSX and CSV) and as PDF (the page's HTML through WeasyPrint).

:class:`ReportView` reads a snapshot's content in the reader's language; :meth:`ReportView.tables` is the
one list of tables every export writes, so the page, the workbook and the CSV never disagree. Pure apart
from the PDF, which needs WeasyPrint (and Pango) and is imported only when a PDF is asked for.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DomainError
from ..i18n import N_

Gettext = Callable[[str], str]
STATIC = Path(__file__).resolve().parents[1] / "static"
HEAT_STEPS = 10
PRINT_STYLESHEETS = ("app.css", "report_print.css")


class PdfUnavailable(DomainError):
    status_code = 503


@dataclass(frozen=True)
class Table:
    key: str  # sheet name basis (ASCII)
    title: str
    headers: list[str]
    rows: list[list[Any]]  # numbers stay numbers; None = empty
    formats: list[str | None]  # per column: "0.0", "0.0%", "0" or None (text)


class ReportView:
    """A snapshot's content, named in the reader's language."""

    def __init__(self, content: dict[str, Any], *, english: bool = False) -> None:
        self.content = content
        self.english = english

    def name(self, item: dict[str, Any]) -> str:
        return (item.get("name_en") if self.english else item.get("name_zh")) or item.get("name_zh") or ""

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return self.content["indicators"]

    @property
    def districts(self) -> list[dict[str, Any]]:
        return self.content["districts"]

    def district_name(self, code: str) -> str:
        if code == "all":
            return "City" if self.english else "全市"
        found = next((d for d in self.districts if d["code"] == code), None)
        return self.name(found) if found else code

    def indicator_name(self, code: str | None) -> str:
        found = next((i for i in self.indicators if i["code"] == code), None)
        return self.name(found) if found else (code or "")

    def cell(self, domain: str) -> dict[str, Any]:
        return self.content["cells"][domain]

    @property
    def headline(self) -> dict[str, Any]:
        return self.content["headline"]

    def domains(self) -> list[tuple[str, str]]:
        """The city, then every district: (code, name)."""
        return [("all", self.district_name("all"))] + [(d["code"], self.name(d)) for d in self.districts]

    def district_labels(self) -> list[str]:
        return [self.name(d) for d in self.districts]

    def ranked(self) -> list[dict[str, Any]]:
        """The ranking without districts that have no estimate yet."""
        return [r for r in self.content.get("ranking", []) if r.get("value") is not None]

    def ranking_labels(self) -> list[str]:
        return [self.district_name(r["district"]) for r in self.ranked()]

    def indicator_by_district(self, j: int) -> list[dict[str, Any]]:
        """Indicator ``j``'s score estimate in each district, in district order."""
        return [self.cell(d["code"])["scores"][j] for d in self.districts]

    @staticmethod
    def bucket(value: float | None, low: float, high: float, steps: int = HEAT_STEPS) -> str:
        """The heatmap class of a score: ``heat-0`` (lowest) … ``heat-9`` (highest), ``heat-none`` when missing.
        Classes, not inline colours: the CSP allows no inline style (app.css holds charts.heat_colour's steps)."""
        if value is None:
            return "none"
        t = 0.5 if high == low else min(max((value - low) / (high - low), 0.0), 1.0)
        return str(min(steps - 1, int(t * steps)))

    def score_range(self) -> tuple[float, float]:
        """The lowest and highest district × indicator score: the heatmap's colour scale."""
        values = [e["value"] for d in self.districts for e in self.cell(d["code"])["scores"]
                  if e["value"] is not None]
        return (min(values), max(values)) if values else (0.0, 100.0)

    def tables(self, _: Gettext) -> list[Table]:
        """Every table of the report, in the reader's language."""
        c = self.content
        est = [_("estimate"), _("95% CI low"), _("95% CI high"), _("respondents")]
        out = []
        rows = []
        for label, e, scale in ((_("Composite index"), self.headline["composite"], 1),
                                (_("Satisfaction rate (%)"), self.headline["rate"], 100)):
            rows.append([label, *[None if e[k] is None else e[k] * scale for k in ("value", "low", "high")], e["n"]])
        out.append(Table("headline", _("Headline"), [_("measure"), *est], rows, [None, "0.00", "0.00", "0.00", "0"]))
        domains = [("all", self.district_name("all"))] + [(d["code"], self.name(d)) for d in self.districts]
        for measure, title, fmt in (("scores", _("Satisfaction score by district and indicator"), "0.0"),
                                    ("rates", _("Satisfaction rate by district and indicator"), "0.0%")):
            rows = [[name, *[e["value"] for e in self.cell(code)[measure]]] for code, name in domains]
            out.append(Table(measure, title, [_("district"), *[self.name(i) for i in self.indicators]], rows,
                             [None, *[fmt] * len(self.indicators)]))
        rows = []
        for j, indicator in enumerate(self.indicators):
            s, r = self.cell("all")["scores"][j], self.cell("all")["rates"][j]
            rows.append([self.name(indicator), s["value"], s["low"], s["high"], r["value"], r["low"], r["high"],
                         s["n"], _("yes") if indicator.get("comparable", True) else _("no")])
        out.append(Table("indicators", _("Indicators, city"),
                         [_("indicator"), _("score"), _("95% CI low"), _("95% CI high"), _("satisfaction rate"),
                          _("95% CI low"), _("95% CI high"), _("respondents"), _("comparable")],
                         rows, [None, "0.0", "0.0", "0.0", "0.0%", "0.0%", "0.0%", "0", None]))
        rows = [[r["rank"], self.district_name(r["district"]), r["value"], r["low"], r["high"],
                 f"{r['rank_low']}–{r['rank_high']}"] for r in self.ranked()]
        out.append(Table("ranking", _("District ranking by composite index"),
                         [_("rank"), _("district"), _("composite index"), _("95% CI low"), _("95% CI high"),
                          _("rank interval")], rows, ["0", None, "0.0", "0.0", "0.0", None]))
        if c.get("changes"):
            rows = [[self.district_name(r["domain"]), _(MEASURES.get(r["measure"], r["measure"])),
                     self.indicator_name(r.get("indicator")) if r.get("indicator") else "",
                     r["before"], r["after"], r["diff"], r["p"], r["q"],
                     _("yes") if r["significant"] else (_("not comparable") if r.get("comparable") is False
                                                        else _("no"))]
                    for r in c["changes"]]
            out.append(Table("changes", _("Changes since the previous round"),
                             [_("district"), _("measure"), _("indicator"), _("before"), _("after"), _("change"),
                              _("p"), _("q (BH)"), _("significant")], rows,
                             [None, None, None, "0.00", "0.00", "0.00", "0.000", "0.000", None]))
        rates = ("RR1", "RR3", "RR5", "COOP1", "REF1", "CON1")
        rows = [[self.name(r), *[r["rates"].get(k) for k in rates], r["counts"].get("I", 0)]
                for r in c.get("response", [])]
        out.append(Table("response", _("Response rates (AAPOR)"), [_("district"), *rates, _("completes")], rows,
                         [None, *["0.0%"] * len(rates), "0"]))
        issues = c.get("issues", {})
        out.append(Table("categories", _("Issues by category"), [_("category"), _("issues")],
                         [[r["category"], r["count"]] for r in issues.get("by_category", [])], [None, "0"]))
        out.append(Table("departments", _("Issues by department"), [_("department"), _("issues")],
                         [[self.name(r), r["count"]] for r in issues.get("by_department", [])], [None, "0"]))
        out.append(Table("clusters", _("Largest clusters of complaints"),
                         [_("complaint"), _("district"), _("category"), _("issues")],
                         [[r["label"], r["district_en"] if self.english else r["district_zh"], r["category"],
                           r["size"]] for r in issues.get("top_clusters", [])], [None, None, None, "0"]))
        names = ("on_time", "callback_resolution", "callback_satisfaction", "spot_check_pass")
        out.append(Table("scorecards", _("Department scorecards"),
                         [_("department"), _("on-time rate"), _("call-back resolution rate"),
                          _("call-back satisfaction rate"), _("spot-check pass rate")],
                         [[self.name(r), *[r[n]["value"] for n in names]] for r in c.get("scorecards", [])],
                         [None, "0.0%", "0.0%", "0.0%", "0.0%"]))
        return out


MEASURES = {"composite": N_("composite index"), "score": N_("score"), "rate": N_("satisfaction rate")}


def to_xlsx(view: ReportView, _: Gettext) -> bytes:
    """One sheet per table: a bold header row, Chinese labels, numbers stored as numbers with formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F6F8B")
    for table in view.tables(_):
        sheet = book.create_sheet(_sheet_title(table.title))
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in table.rows:
            sheet.append(row)
        for column, fmt in enumerate(table.formats, start=1):
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = fmt
            width = max([len(str(table.headers[column - 1]))] + [len(str(r[column - 1] or "")) for r in table.rows])
            sheet.column_dimensions[get_column_letter(column)].width = min(max(10, width * 1.6), 60)
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31]


def to_csv(view: ReportView, _: Gettext) -> bytes:
    """Every table one after another (title row, header, rows, a blank line), UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    for table in view.tables(_):
        writer.writerow([table.title])
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow(["" if v is None else round(v, 6) if isinstance(v, float) else v for v in row])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_pdf(html: str) -> bytes:
    """The report's printable HTML as an A4 PDF with its CJK font embedded. The page's own stylesheets are read
    from disk and given to WeasyPrint directly: the HTML links nothing, so nothing is fetched."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PdfUnavailable(N_("PDF export needs Pango on the server (Debian: libpango-1.0-0 libpangoft2-1.0-0)")
                             ) from exc
    sheets = [weasyprint.CSS(string=(STATIC / "css" / name).read_text(encoding="utf-8"))
              for name in PRINT_STYLESHEETS]
    return weasyprint.HTML(string=html).write_pdf(stylesheets=sheets)
