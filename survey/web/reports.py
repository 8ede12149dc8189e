"""Leader reports: the list of rounds, a round's report page (charts and tables) and its exports — all
rendered from the round's newest report snapshot."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError, NotFound
from ..extensions import db
from ..i18n import N_
from ..models import Round
from ..reports import charts, exports
from ..services import reports
from .downloads import download

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _english() -> bool:
    return str(get_locale() or "").startswith("en")


@bp.get("/")
def index():
    return render_template("reports/index.html", rows=reports.reported_rounds())


def _snapshot(round_id: int):
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(N_("no such round"))
    return round_, reports.latest(round_id)


@bp.get("/rounds/<int:round_id>")
def round_report(round_id: int):
    round_, snapshot = _snapshot(round_id)
    return render_template("reports/round.html", round=round_, snapshot=snapshot,
                           building=reports.building(round_id),
                           view=exports.ReportView(snapshot.content, english=_english()) if snapshot else None,
                           charts=charts)


@bp.post("/rounds/<int:round_id>/build")
def build(round_id: int):
    try:
        snapshot = reports.request_snapshot(round_id, by=current_user._get_current_object(),
                                            weighting=request.form.get("weighting", "nonresponse"))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.localised(_), "error")
    else:
        if snapshot.status == "failed":
            flash(_("The report could not be queued: the job queue is not reachable."), "error")
    return redirect(url_for("reports.round_report", round_id=round_id)), 303


def _ready(round_id: int):
    round_, snapshot = _snapshot(round_id)
    if snapshot is None:
        raise NotFound(N_("this round has no report yet"))
    return round_, snapshot, exports.ReportView(snapshot.content, english=_english())


@bp.get("/rounds/<int:round_id>/report.xlsx")
def xlsx(round_id: int):
    round_, _unused, view = _ready(round_id)
    return download(exports.to_xlsx(view, _), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{round_.name}.xlsx")


@bp.get("/rounds/<int:round_id>/report.csv")
def csv(round_id: int):
    round_, _unused, view = _ready(round_id)
    return download(exports.to_csv(view, _), "text/csv; charset=utf-8", f"{round_.name}.csv")


@bp.get("/rounds/<int:round_id>/report.pdf")
def pdf(round_id: int):
    round_, snapshot, view = _ready(round_id)
    html = render_template("reports/print.html", round=round_, snapshot=snapshot, view=view, charts=charts)
    return download(exports.to_pdf(html), "application/pdf", f"{round_.name}.pdf")
