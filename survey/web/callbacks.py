"""The callers' call-backs to respondents (回访): was the problem solved, are they satisfied?"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..issues.workflow import STATUS_LABELS
from ..models import Issue, User
from ..services import issues
from .forms import query_number

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")


def _me() -> User:
    return current_user._get_current_object()


@bp.get("/")
def index():
    rows = issues.open_callbacks(query_number("round"))
    return render_template("callbacks/index.html", rows=rows,
                           texts={i.id: i for i in db.session.scalars(select(Issue).where(
                               Issue.id.in_([r.issue_id for r in rows])))})


@bp.get("/<int:callback_id>")
def detail(callback_id: int):
    found = issues.callback(callback_id)
    issue = db.session.get(Issue, found.issue_id)
    masked = issues.callback_phone(callback_id, _me()) if found.status == "open" else ""
    return render_template("callbacks/detail.html", callback=found, issue=issue, masked=masked)


@bp.post("/<int:callback_id>/phone")
def phone_clear(callback_id: int):
    try:
        return jsonify({"phone": issues.callback_phone(callback_id, _me(), masked=False)})
    except DomainError as exc:
        return jsonify({"error": exc.localised(_)}), exc.status_code


def _yes_no(name: str) -> bool | None:
    value = request.form.get(name)
    return {"yes": True, "no": False}.get(value or "")


@bp.post("/<int:callback_id>")
def record_callback(callback_id: int):
    try:
        issue = issues.record_callback(callback_id, _me(), solved=_yes_no("solved"), satisfied=_yes_no("satisfied"),
                                       unreachable=request.form.get("unreachable") == "1",
                                       note=request.form.get("note", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.localised(_), "error")
        return redirect(url_for("callbacks.detail", callback_id=callback_id)), 303
    flash(_("Call-back recorded: issue %(id)d is now %(status)s.", id=issue.id,
            status=_(STATUS_LABELS[issue.status])), "info")
    return redirect(url_for("callbacks.index")), 303
