"""Verification: the verifier's tasks (回访复核 / 暗访核查), selecting what to verify, and caller quality."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..models import INTERVIEW_OUTCOMES, ISSUE_OUTCOMES, Interview, Issue, Round, User
from ..services import questionnaires, verification
from .forms import form_number, query_number
from .labels import OUTCOME_LABELS, RULE_LABELS

bp = Blueprint("verification", __name__, url_prefix="/verification")

def _me() -> User:
    return current_user._get_current_object()


def _reason_texts(task) -> list[str]:
    return [_(r["template"]) % r["params"] if r.get("params") else _(r["template"]) for r in task.reasons or []]


@bp.get("/")
def index():
    round_id = query_number("round")
    status = "done" if request.args.get("status") == "done" else "open"
    rows = verification.tasks(status=status, round_id=round_id, kind=request.args.get("kind") or None)
    names = dict(db.session.execute(select(User.id, User.display_name)).all())
    return render_template("verification/index.html", rows=rows, status=status, names=names,
                           rounds=db.session.scalars(select(Round).order_by(Round.id.desc())).all(),
                           round_id=round_id, outcome_labels=OUTCOME_LABELS, rule_labels=RULE_LABELS,
                           reasons=_reason_texts)


@bp.get("/<int:task_id>")
def task(task_id: int):
    found = verification.task(task_id)
    context: dict = {}
    if found.kind == "interview":
        interview = db.session.get(Interview, found.interview_id)
        instrument, _ids = questionnaires.frozen(interview.questionnaire_id)
        by_code = {q.code: q for q in instrument.questions}
        context["anchors"] = [by_code[c] for c in found.anchors if c in by_code]
        context["given"] = (interview.payload or {}).get("answers", {}) if found.status == "done" else {}
        context["interview"] = interview
        outcomes = INTERVIEW_OUTCOMES
    else:
        context["issue"] = db.session.get(Issue, found.issue_id)
        outcomes = ISSUE_OUTCOMES
    return render_template("verification/task.html", task=found, outcomes=outcomes, outcome_labels=OUTCOME_LABELS,
                           rule_labels=RULE_LABELS, reasons=_reason_texts(found),
                           phone_erased=found.status == "open" and verification.phone_erased(found), **context)


@bp.post("/<int:task_id>/phone")
def phone(task_id: int):
    try:
        return jsonify({"phone": verification.phone(task_id, _me())})
    except DomainError as exc:
        return jsonify({"error": exc.localised(_)}), exc.status_code


@bp.post("/<int:task_id>")
def record(task_id: int):
    found = verification.task(task_id)
    reasked = {code: request.form.get(f"q_{code}", "").strip() for code in found.anchors or []}
    try:
        verification.record(task_id, _me(), outcome=request.form.get("outcome", ""),
                            evidence=request.form.get("evidence", ""), reasked=reasked)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.localised(_), "error")
        return redirect(url_for("verification.task", task_id=task_id)), 303
    flash(_("Verification recorded."), "info")
    return redirect(url_for("verification.index")), 303


@bp.route("/rounds/<int:round_id>/select", methods=["GET", "POST"])
def select_for(round_id: int):
    """Coordinators and supervisors choose what to verify: interviews (floor + risk) and issues."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        return render_template("errors/error.html", status=404, title=_("Not found"), message=""), 404
    if request.method == "POST":
        form = request.form
        try:
            if form.get("kind") == "issue":
                run = verification.select_issues(round_id, by=_me(), seed=form_number(form, "seed", 1, int),
                                                 share=form_number(form, "share", 20.0) / 100,
                                                 top_clusters=form_number(form, "top_clusters", 5, int))
            else:
                run = verification.select_interviews(round_id, by=_me(), seed=form_number(form, "seed", 1, int),
                                                     floor=form_number(form, "floor", 10.0) / 100,
                                                     new_floor=form_number(form, "new_floor", 20.0) / 100)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.localised(_), "error")
        else:
            flash(_("%(count)d selected for verification.", count=run.picked), "info")
        return redirect(url_for("verification.select_for", round_id=round_id)), 303
    return render_template("verification/select.html", round=round_, quality=verification.caller_quality(round_id),
                           runs=verification.runs(round_id), counts=verification.counts(round_id))
