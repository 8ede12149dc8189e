"""Coordinators design a round, preview its strata live, draw its sample and export it."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..errors import DomainError
from ..fieldwork.rules import DEFAULT_DELAYS, CallRules
from ..i18n import N_
from ..sampling.design import DESIGN_METHODS, OTHER_STRATA, Design
from ..sampling.frame_rows import STRATUM_VARIABLES
from ..services import frames, lifecycle, questionnaires, retention, rounds, simulation
from .forms import form_number, refusal
from .labels import STATUS_LABELS
from .policy import PHONE_VIEWERS

STAGE_LABELS = {"prepare": N_("preparation"), "fieldwork": N_("fieldwork"), "processing": N_("processing (workers)"),
                "quality": N_("verification selection"), "follow-up": N_("follow-up of issues and checks"),
                "report": N_("report")}

DEFAULT_COMPLETION_RATE = "0.32"  # the form's suggestion: ~3 dials per complete (DOMAIN.md)

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

# The round form's fields as the page labels them: a refusal names the field at fault by its label.
FIELD_LABELS = {"name": _l("Round name"), "frame_id": _l("Frame"), "questionnaire_id": _l("Questionnaire"),
                "strata": _l("Strata"), "method": _l("Allocation"), "target": _l("Target completes"),
                "base": _l("Fixed base per stratum"), "min_n": _l("Minimum per stratum"),
                "max_n": _l("Maximum per stratum"), "moe": _l("Margin of error (precision method)"),
                "power": _l("Power (power method)"), "completion_rate": _l("Expected completes per number"),
                "replicates": _l("Release replicates"), "reserve_replicates": _l("Reserve replicates"),
                "exclude_recent_rounds": _l("Leave out numbers called in the last K rounds")}


def field_labels(form) -> dict:
    """The form's labels, and a stratum's own rate named by the overall rate's label and the stratum."""
    rate = FIELD_LABELS["completion_rate"]
    return {**FIELD_LABELS, **{f"completion_rate.{key}": f"{rate} ({key})" for key in rate_overrides(form)}}


def design_from_form(form) -> dict:
    """The design fields of the round form (the same names as :class:`Design`)."""
    data = {name: form.get(name) for name in ("method", "target", "moe", "power", "base", "min_n", "max_n",
                                               "completion_rate", "replicates", "reserve_replicates",
                                               "exclude_recent_rounds")}
    data["strata"] = form.getlist("strata")
    overrides = rate_overrides(form)
    if overrides:
        data["completion_rate"] = {OTHER_STRATA: data.get("completion_rate") or DEFAULT_COMPLETION_RATE, **overrides}
    return {k: v for k, v in data.items() if v not in (None, "")}


def rate_overrides(form) -> dict[str, str]:
    """Rates typed into strata's rows of the preview (stratum key → rate as typed): each overrides the overall
    rate for its stratum."""
    return {name.removeprefix("completion_rate."): value.strip() for name, value in form.items()
            if name.startswith("completion_rate.") and value.strip()}


@bp.get("/")
def index():
    return render_template("rounds/index.html", rounds=rounds.list_rounds())


@bp.route("/new", methods=["GET", "POST"])
def create():
    ready = [f for f in frames.list_frames() if f.status == "ready"]
    errors: list[dict] = []
    if request.method == "POST":
        try:
            round_ = rounds.create_round(request.form.get("name", ""), form_number(request.form, "frame_id", 0, int),
                                         design_from_form(request.form), by=current_user._get_current_object(),
                                         questionnaire_id=form_number(request.form, "questionnaire_id", None, int))
        except DomainError as exc:
            errors = refusal(exc, field_labels(request.form))
        else:
            flash(_("Round %(name)s created.", name=round_.name), "info")
            return redirect(url_for("rounds.detail", round_id=round_.id))
    return render_template("rounds/new.html", frames=ready, methods=DESIGN_METHODS, variables=STRATUM_VARIABLES,
                           questionnaires=questionnaires.list_questionnaires(), form=request.form,
                           default_rate=DEFAULT_COMPLETION_RATE, rate_overrides=rate_overrides(request.form),
                           errors=errors), 422 if errors else 200


@bp.post("/preview")
def preview():
    """The live preview (JSON): per-stratum N_h, n_h, issued, drawn and ± for the design in the form."""
    try:
        frame_id = form_number(request.form, "frame_id", 0, int)
        frames.get_frame(frame_id)
        result = rounds.preview(frame_id, Design.from_dict(design_from_form(request.form)))
    except DomainError as exc:
        message = "；".join(f"{r['label']}：{r['message']}" if r["label"] else r["message"]
                           for r in refusal(exc, field_labels(request.form)))
        return jsonify({"ok": False, "message": message, "details": getattr(exc, "details", [])}), 200
    return jsonify(_preview_json(result))


def _preview_json(result) -> dict:
    return {
        "ok": True,
        "strata": [{"key": s.key, "label": result.display.get(s.key, s.key), "population": s.population,
                    "target": s.target, "issued": s.issued, "selected": s.selected, "rate": s.rate,
                    "moe": None if s.moe is None else round(100 * s.moe, 1)} for s in result.plan.strata],
        "totals": result.plan.totals,
        "moe": None if result.plan.moe is None else round(100 * result.plan.moe, 2),
        "missing": result.missing, "excluded": result.excluded, "erased": result.erased,
        "warnings": plan_warnings(result),
    }


def plan_warnings(result) -> list[str]:
    """The plan's warnings in the reader's language, strata by their names."""
    return [_(template, **{**params, "stratum": result.display.get(params["stratum"], params["stratum"]),
                           **{k: format_number(v) for k, v in params.items() if isinstance(v, int)}})
            for template, params in result.plan.warnings]


@bp.get("/<int:round_id>")
def detail(round_id: int):
    round_ = rounds.get_round(round_id)
    preview_result, problem = None, None
    if round_.status == "draft":
        try:
            preview_result = rounds.preview(round_.frame_id, Design.from_dict(round_.design), round_=round_)
        except DomainError as exc:
            problem = exc.localised(_)
    summary = rounds.summary(round_) if round_.strata else []
    stratum_names = preview_result.display if preview_result else {s.key: s.display for s in summary}
    return render_template("rounds/detail.html", round=round_, preview=preview_result, problem=problem,
                           summary=summary, stratum_names=stratum_names,
                           warnings=plan_warnings(preview_result) if preview_result else [],
                           next_steps=lifecycle.next_steps(round_), history=lifecycle.history(round_),
                           call_rules=CallRules.from_dict(round_.call_rules),
                           questionnaires=questionnaires.list_questionnaires(),
                           questionnaire_open=round_.status in rounds.QUESTIONNAIRE_STATUSES_ALLOWED,
                           suggested_seed=secrets.randbelow(10**6), phone_viewer=current_user.role in PHONE_VIEWERS,
                           simulation=simulation.latest(round_.id), stage_labels=STAGE_LABELS,
                           erasure=retention.round_erasure(round_.id) if round_.strata else None)


@bp.post("/<int:round_id>/draw")
def draw(round_id: int):
    try:
        seed = int(request.form.get("seed", ""))
    except ValueError:
        flash(_("The seed must be a whole number."), "error")
        return redirect(url_for("rounds.detail", round_id=round_id))
    try:
        job_id = rounds.request_draw(round_id, seed=seed, by=current_user._get_current_object())
    except DomainError as exc:
        flash(exc.localised(_), "error")
        return redirect(url_for("rounds.detail", round_id=round_id))
    if job_id is None:
        flash(_("The job queue (Redis) is not reachable; the draw will start when it is back."), "error")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.get("/<int:round_id>/sample.csv")
def export(round_id: int):
    round_ = rounds.get_round(round_id)
    with_phones = request.args.get("phones") == "1" and current_user.role in PHONE_VIEWERS
    body = rounds.export_csv(round_, with_phones=with_phones, by=current_user._get_current_object(),
                             erased=_("erased"))
    suffix = "-phones" if with_phones else ""
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=round-{round_.id}-sample{suffix}.csv"})


@bp.post("/<int:round_id>/questionnaire")
def set_questionnaire(round_id: int):
    try:
        rounds.set_questionnaire(round_id, form_number(request.form, "questionnaire_id", 0, int),
                                 by=current_user._get_current_object())
    except DomainError as exc:
        flash(exc.localised(_), "error")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.post("/<int:round_id>/status")
def change_status(round_id: int):
    """Start, close, reopen (with a reason) or mark reported — as the lifecycle table allows."""
    try:
        round_ = lifecycle.change_status(round_id, request.form.get("to", ""), by=current_user._get_current_object(),
                                         reason=request.form.get("reason", ""))
    except DomainError as exc:
        flash(exc.localised(_), "error")
    else:
        flash(_("Round %(name)s is now %(status)s.", name=round_.name, status=STATUS_LABELS[round_.status]), "info")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.route("/<int:round_id>/copy", methods=["GET", "POST"])
def copy(round_id: int):
    """A new round from this one: same frame, design and questionnaire; a new sample."""
    previous = rounds.get_round(round_id)
    errors: list[dict] = []
    if request.method == "POST":
        try:
            round_ = rounds.copy_round(round_id, request.form.get("name", "").strip(),
                                       by=current_user._get_current_object())
        except DomainError as exc:
            errors = refusal(exc, {"name": FIELD_LABELS["name"]})
        else:
            flash(_("Round %(name)s created from %(previous)s.", name=round_.name, previous=previous.name), "info")
            return redirect(url_for("rounds.detail", round_id=round_.id))
    return render_template("rounds/copy.html", previous=previous, errors=errors), 422 if errors else 200


@bp.post("/<int:round_id>/call-rules")
def call_rules(round_id: int):
    """Calling windows ("18:00-21:00, 09:00-12:00"), attempts, retry delays in minutes, claim expiry."""
    form = request.form
    windows = [tuple(part.strip() for part in w.replace("–", "-").split("-", 1))
               for w in form.get("windows", "").replace("，", ",").split(",") if w.strip()]
    data = {"windows": [w for w in windows if len(w) == 2] if all(len(w) == 2 for w in windows) else [("?", "?")],
            "max_attempts": form.get("max_attempts", ""), "claim_minutes": form.get("claim_minutes", ""),
            "refusal_conversion": bool(form.get("refusal_conversion")),
            "delays": {name: form.get(f"delay_{name}", "") for name in DEFAULT_DELAYS}}
    try:
        rounds.set_call_rules(round_id, data, by=current_user._get_current_object())
    except DomainError as exc:
        flash(exc.localised(_), "error")
    else:
        flash(_("Call rules saved."), "info")
    return redirect(url_for("rounds.detail", round_id=round_id))
