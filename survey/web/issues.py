"""Issues (问题诉求): the list, one issue with its history and next steps, clusters, keyword rules,
department scorecards and the bulletin (通报)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..issues.workflow import STATUS_LABELS, URGENCIES, URGENCY_LABELS, Change
from ..models import Department, Indicator, IssueCluster, Region, Round, Verification
from ..models.types import utcnow
from ..quality.scores import RATE_LABELS
from ..quality.selection import DOUBTFUL
from ..services import issues, verification
from .downloads import download
from .forms import form_number, query_number

bp = Blueprint("issues", __name__, url_prefix="/issues")
DOUBTFUL_LABELS = DOUBTFUL  # why an issue is doubtful: the same words the spot-check selection gives


def _me():
    return current_user._get_current_object()


def _choices() -> dict:
    departments = db.session.scalars(select(Department).order_by(Department.id)).all()
    regions = db.session.scalars(select(Region).where(Region.level != "city").order_by(Region.position)).all()
    indicators = db.session.scalars(select(Indicator).order_by(Indicator.position)).all()
    return {
        "rounds": db.session.scalars(select(Round).order_by(Round.id.desc())).all(),
        "departments": [d for d in departments if d.active], "regions": regions, "indicators": indicators,
        "department_by_id": {d.id: d for d in departments}, "region_by_id": {r.id: r for r in regions},
        "department_by_code": {d.code: d for d in departments},
        "indicator_by_id": {i.id: i for i in indicators},
        "issue_status_labels": STATUS_LABELS, "urgencies": URGENCIES, "urgency_labels": URGENCY_LABELS,
        "doubtful_labels": DOUBTFUL_LABELS,
    }


def _round_arg(choices: dict) -> int | None:
    value = query_number("round")
    if value is None and "round" not in request.args and choices["rounds"]:
        return choices["rounds"][0].id
    return value


@bp.get("/")
def index():
    choices = _choices()
    chosen = issues.IssueFilter(
        round_id=_round_arg(choices), status=request.args.get("status") or None,
        department_id=query_number("department"), region_id=query_number("region"),
        category=request.args.get("category") or None, overdue=request.args.get("overdue") == "1",
        cluster_id=query_number("cluster"))
    page = max(query_number("page", 1), 1)
    rows, total = issues.visible(_me(), chosen, limit=100, offset=(page - 1) * 100)
    return render_template("issues/index.html", rows=rows, total=total, page=page, chosen=chosen,
                           counts=issues.counts_by_status(_me(), chosen.round_id),
                           clusters=issues.largest_clusters(chosen.round_id, limit=5, user=_me())
                           if chosen.round_id else [],
                           cluster=db.session.get(IssueCluster, chosen.cluster_id) if chosen.cluster_id else None,
                           overdue=issues.overdue, **choices)


@bp.get("/<int:issue_id>")
def detail(issue_id: int):
    issue = issues.load(issue_id, _me())
    checks = db.session.scalars(select(Verification).where(Verification.issue_id == issue.id)
                                .order_by(Verification.id)).all()
    return render_template("issues/detail.html", issue=issue, steps=issues.next_steps(issue, _me()),
                           checks=checks, overdue=issues.overdue(issue),
                           cluster=db.session.get(IssueCluster, issue.cluster_id) if issue.cluster_id else None,
                           attachments=issues.attachments_of(issue), **_choices())


@bp.post("/<int:issue_id>/move")
def move(issue_id: int):
    form = request.form
    files = [(f.filename or "file", f.mimetype or "", f.read()) for f in request.files.getlist("attachments")
             if f and f.filename]
    to = form.get("to", "")
    try:
        change = Change(reason=form.get("reason", ""), evidence=form.get("evidence", ""),
                        department_id=form_number(form, "department_id", None, int),
                        urgency=form.get("urgency") or None)
        issue = issues.move(issue_id, to, by=_me(), change=change, attachments=files)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.localised(_), "error")
        return redirect(url_for("issues.detail", issue_id=issue_id)), 303
    flash(_("Issue %(id)d is now %(status)s.", id=issue.id, status=_(STATUS_LABELS[issue.status])), "info")
    return redirect(url_for("issues.detail", issue_id=issue_id)), 303


@bp.get("/<int:issue_id>/attachments/<int:attachment_id>")
def attachment(issue_id: int, attachment_id: int):
    found = issues.attachment(issue_id, attachment_id, _me())
    return download(found.data, found.content_type, found.filename)


@bp.get("/clusters")
def clusters():
    choices = _choices()
    round_id = _round_arg(choices)
    rows = issues.largest_clusters(round_id, limit=50, user=_me()) if round_id else []
    return render_template("issues/clusters.html", clusters=rows, round_id=round_id, **choices)


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    errors: list[dict] = []
    if request.method == "POST":
        form = request.form
        try:
            issues.save_rule(form_number(form, "rule_id", None, int), keywords=form.get("keywords", ""),
                             category=form.get("category", ""),
                             department_id=form_number(form, "department_id", None, int),
                             urgency=form.get("urgency") or None,
                             indicator_id=form_number(form, "indicator_id", None, int),
                             position=form_number(form, "position", 0, int), active=form.get("active") == "1",
                             auto_assign=form.get("auto_assign") == "1", by=_me())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.localised(_), "error")
            errors = getattr(exc, "details", [])
        else:
            flash(_("Rule saved."), "info")
            return redirect(url_for("issues.rules")), 303
    rules_ = issues.rules()
    editing_id = query_number("edit")  # the rule whose Edit link was followed
    editing = next((r for r in rules_ if r.id == editing_id), None) if editing_id is not None else None
    return render_template("issues/rules.html", rules=rules_, editing=editing, errors=errors, form=request.form,
                           **_choices()), 422 if errors else 200


@bp.post("/rules/<int:rule_id>/delete")
def rule_delete(rule_id: int):
    try:
        issues.delete_rule(rule_id, by=_me())
    except DomainError as exc:
        flash(exc.localised(_), "error")
    else:
        flash(_("Rule deleted."), "info")
    return redirect(url_for("issues.rules")), 303


@bp.get("/scorecard")
def scorecard():
    choices = _choices()
    round_id = _round_arg(choices)
    threshold = min(max(query_number("threshold", 0.85, float), 0.0), 1.0)
    cards = verification.department_scorecard(round_id, threshold=threshold) if round_id else []
    template = "issues/bulletin.html" if request.args.get("print") == "1" else "issues/scorecard.html"
    return render_template(template, cards=cards, round_id=round_id, threshold=threshold, rate_labels=RATE_LABELS,
                           now_local=lambda fmt: format_datetime(utcnow(), fmt),
                           round=db.session.get(Round, round_id) if round_id else None, **choices)
