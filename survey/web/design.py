"""Design evaluation: compare allocations of a round's completes side by side (a simulation job, then its table)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import NotFound, ValidationError
from ..extensions import db
from ..i18n import N_
from ..models import SimulationRun
from ..reports import charts
from ..sampling import METHODS
from ..services import design_evaluation, rounds
from ..simulation.evaluation import DesignOption

bp = Blueprint("design", __name__, url_prefix="/rounds")


def _english() -> bool:
    return str(get_locale() or "").startswith("en")


def _rows_from_options(options: list[DesignOption]) -> list[dict[str, str]]:
    """Six rows for the form: the given options (default labels translated), then empty rows."""
    rows = [{"include": "1", "label": _(o.label), "method": o.method, "completes": str(o.completes),
             "base": str(o.base), "power": f"{o.power:g}"} for o in options[:design_evaluation.MAX_OPTIONS]]
    while len(rows) < design_evaluation.MAX_OPTIONS:
        rows.append({"include": "", "label": "", "method": "proportional", "completes": "", "base": "0", "power": "1"})
    return rows


def _rows_from_form(form) -> list[dict[str, str]]:
    return [{name: form.get(f"options-{i}-{name}", "") for name in ("include", "label", "method", "completes", "base",
                                                                   "power")}
            for i in range(design_evaluation.MAX_OPTIONS)]


def comparison(result: dict, *, english: bool = False) -> dict:
    """The stored result arranged for the tables and the chart: one column per option, one row per figure."""
    options = result.get("options", [])
    codes = list(result.get("districts", {}))
    names = result.get("districts_en" if english else "districts") or result.get("districts", {})

    def per_district(option: dict) -> dict[str, dict]:
        return {d["domain"]: d for d in option["districts"]}

    def worst(option: dict) -> tuple[float | None, str]:
        known = [(d["composite_half_width"], d["domain"]) for d in option["districts"]
                 if d.get("composite_half_width") is not None]
        if not known:
            return None, ""
        value, code = max(known)
        return value, names.get(code, code)

    def mean(values: list) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else None

    half_widths = [[per_district(o).get(code, {}).get("composite_half_width") for o in options] for code in codes]
    city = [o["city"]["composite_half_width"] for o in options]
    return {
        "options": [o["option"] for o in options],
        "labels": [_(o["option"]["label"]) for o in options],  # default labels are msgids; a typed one stays
        "districts": [(code, names.get(code, code)) for code in codes],
        "district_names": [names.get(code, code) for code in codes],
        "allocation": [[o["allocation"].get(code) for o in options] for code in codes],
        "completes": [sum(o["allocation"].values()) for o in options],
        "city_half_width": city,
        "best_city": min((v for v in city if v is not None), default=None),
        "indicator_half_width": [o["city"]["score_half_width"] for o in options],
        "worst_district": [worst(o) for o in options],
        "city_coverage": [o["city"]["composite_coverage"] for o in options],
        "district_coverage": [mean([d["composite_coverage"] for d in o["districts"]]) for o in options],
        "dials": [o["dials"] for o in options],
        "caller_hours": [o["caller_hours"] for o in options],
        "district_half_width": half_widths,
        "series": {_(o["option"]["label"]): [row[i] for row in half_widths] for i, o in enumerate(options)},
        "replicates": options[0]["replicates"] if options else 0,
        "level": options[0]["level"] if options else 0.95,
        "coverage_mc_se": options[0]["coverage_mc_se"] if options else None,
        "seconds": result.get("seconds"),
    }


def _round_run(round_id: int, run_id: int) -> SimulationRun:
    run = design_evaluation.get(run_id)
    if run.round_id != round_id:
        raise NotFound(N_("no such design evaluation"))
    return run


def field_label(field: str) -> str:
    """A form field as people read it: "Option 2 · Completes" for ``options-1-completes``."""
    columns = {"label": _("Label"), "method": _("Allocation"), "completes": _("Completes"),
               "base": _("Base per district"), "power": _("Power (power method)"), "include": _("Compare")}
    parts = field.split("-")
    if len(parts) == 3 and parts[0] == "options" and parts[1].isdigit():
        return _("Option %(n)s", n=int(parts[1]) + 1) + " · " + columns.get(parts[2], parts[2])
    return {"options": _("Options"), "replicates": _("Simulated rounds per option"),
            "seed": _("Random seed")}.get(field, field)


def _page(round_, run, *, rows, settings, errors=None, status=200):
    errors = [{**item, "label": field_label(item.get("field", ""))} for item in errors or []]
    by_field = {}
    for item in errors:
        message = item["message"]
        by_field.setdefault(item.get("field", ""), []).append(_(message))
    return render_template("design/evaluate.html", round=round_, run=run, rows=rows, settings=settings,
                           errors=errors, field_errors=by_field, methods=METHODS, charts=charts,
                           view=comparison(run.result, english=_english()) if run and run.result else None,
                           english=_english(), recent=design_evaluation.recent(round_.id),
                           can_start=current_user.role == "coordinator",
                           max_replicates=design_evaluation.MAX_REPLICATES,
                           min_replicates=design_evaluation.MIN_REPLICATES), status


@bp.get("/<int:round_id>/design")
def evaluate(round_id: int):
    round_ = rounds.get_round(round_id)
    settings = {"replicates": str(design_evaluation.DEFAULT_REPLICATES),
                "seed": str(round_.seed if round_.seed is not None else 1)}
    return _page(round_, design_evaluation.latest(round_id),
                 rows=_rows_from_options(design_evaluation.default_options(round_)), settings=settings)


@bp.post("/<int:round_id>/design")
def start(round_id: int):
    round_ = rounds.get_round(round_id)
    try:
        options, replicates, seed = design_evaluation.parse_form(request.form, round_=round_)
        record = design_evaluation.request(round_id, options, replicates=replicates, seed=seed,
                                           by=current_user._get_current_object())
    except ValidationError as exc:
        db.session.rollback()
        return _page(round_, design_evaluation.latest(round_id), rows=_rows_from_form(request.form),
                     settings={"replicates": request.form.get("replicates", ""),
                               "seed": request.form.get("seed", "")},
                     errors=exc.details or [{"field": "", "message": exc.localised(_)}], status=422)
    if record.status == "failed":
        flash(_("The comparison could not be queued: the job queue is not reachable."), "error")
    return redirect(url_for("design.run", round_id=round_id, run_id=record.id)), 303


@bp.get("/<int:round_id>/design/<int:run_id>")
def run(round_id: int, run_id: int):
    round_ = rounds.get_round(round_id)
    record = _round_run(round_id, run_id)
    return render_template("design/run.html", round=round_, run=record, charts=charts, english=_english(),
                           view=comparison(record.result, english=_english()) if record.result else None,
                           can_start=current_user.role == "coordinator")
