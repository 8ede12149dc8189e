"""The caller's workspace (CATI): next case, the call's outcome, the keyboard-first interview."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import db
from ..fieldwork.outcomes import OUTCOME_KEYS, OUTCOMES
from ..fieldwork.rules import LOCAL
from ..models import Round, Stratum
from ..services import fieldwork, questionnaires, rounds
from .forms import form_number

bp = Blueprint("cati", __name__, url_prefix="/calls")


def _caller():
    return current_user._get_current_object()


def _home():
    return redirect(url_for("home.caller"))


@bp.post("/next")
def next_case():
    """One key or click: the next case of the chosen round (or the one already held)."""
    try:
        round_id = form_number(request.form, "round_id", None, int)
        case = fieldwork.claim_next(round_id or 0, _caller())
    except DomainError as exc:
        flash(exc.localised(_), "error")
        return _home()
    if case is None:
        opening = fieldwork.next_opening(round_id)
        flash(_("Nothing to call right now. Calling resumes %(when)s.",
                when=format_datetime(opening, "yyyy-MM-dd HH:mm")), "info")
        return _home()
    return redirect(url_for("cati.case", case_id=case.id))


def _held_or_home(case_id: int):
    case = fieldwork.held_case(_caller())
    if case is None or case.id != case_id:
        flash(_("You no longer hold that case (the claim expired or it was finished)."), "error")
        return None
    return case


@bp.get("/case/<int:case_id>")
def case(case_id: int):
    held = _held_or_home(case_id)
    if held is None:
        return _home()
    round_ = db.session.get(Round, held.round_id)
    stratum = db.session.get(Stratum, held.stratum_id)
    outcomes = [(code, OUTCOMES[code][0], key) for code, key in OUTCOME_KEYS.items()]
    return render_template("cati/case.html", case=held, round=round_, stratum=rounds.stratum_display(round_, stratum),
                           outcomes=outcomes,
                           masked=fieldwork.masked_phone(held), history=fieldwork.case_history(held),
                           outcome_labels={code: label for code, (label, _code, _kind) in OUTCOMES.items()},
                           minimum=datetime.now(LOCAL).strftime("%Y-%m-%dT%H:%M"))


@bp.post("/case/<int:case_id>/phone")
def phone(case_id: int):
    """The number in clear for the caller holding the case (audited)."""
    try:
        return jsonify({"phone": fieldwork.reveal_phone(case_id, _caller())})
    except DomainError as exc:
        return jsonify({"error": exc.localised(_)}), exc.status_code


@bp.post("/case/<int:case_id>/touch")
def touch(case_id: int):
    try:
        fieldwork.touch(case_id, _caller())
    except DomainError as exc:
        return jsonify({"error": exc.localised(_)}), exc.status_code
    return jsonify({"ok": True})


@bp.post("/case/<int:case_id>/outcome")
def outcome(case_id: int):
    appointment = request.form.get("appointment_at") or None
    try:
        appointment_at = datetime.fromisoformat(appointment).replace(tzinfo=LOCAL) if appointment else None
    except ValueError:
        appointment_at = None
    try:
        case = fieldwork.record_outcome(case_id, _caller(), request.form.get("outcome", ""),
                                        appointment_at=appointment_at, note=request.form.get("note", ""))
    except DomainError as exc:
        flash(exc.localised(_), "error")
        return redirect(url_for("cati.case", case_id=case_id)) if fieldwork.held_case(_caller()) else _home()
    flash(_("Saved: %(outcome)s.", outcome=_(OUTCOMES[case.last_outcome][0])), "info")
    return _home()


@bp.get("/case/<int:case_id>/interview")
def interview(case_id: int):
    held = _held_or_home(case_id)
    if held is None:
        return _home()
    round_ = db.session.get(Round, held.round_id)
    return render_template("cati/interview.html", case=held, round=round_,
                           instrument=questionnaires.frozen(round_.questionnaire_id)[0],
                           idempotency_key=fieldwork.new_idempotency_key())


@bp.post("/case/<int:case_id>/interview")
def submit(case_id: int):
    """The interview as JSON; 4xx with the field named when it does not fit the questionnaire."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify({"error": _("The submission must be a JSON object."),
                        "details": [{"field": "body", "message": "not a JSON object"}]}), 400
    try:
        result = fieldwork.submit_interview(case_id, _caller(), payload)
    except DomainError as exc:
        return jsonify({"error": exc.localised(_), "details": getattr(exc, "details", [])}), exc.status_code
    return jsonify({"ok": True, "interview": result.interview.id, "final_code": result.interview.final_code,
                    "created": result.created, "next": url_for("home.caller")}), 201 if result.created else 200
