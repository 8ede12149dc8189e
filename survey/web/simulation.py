"""Rehearse a round: start its simulated fieldwork (the round page shows the job's progress and stage times)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import db
from ..services import simulation
from .forms import form_number

bp = Blueprint("simulation", __name__, url_prefix="/rounds")


@bp.post("/<int:round_id>/simulate")
def start(round_id: int):
    form = request.form
    try:
        settings = simulation.Settings(
            callers=form_number(form, "callers", 30, int), falsifiers=form_number(form, "falsifiers", 0, int),
            falsifier_kind=form.get("falsifier_kind") or "subtle", seed=form_number(form, "seed", 1, int),
            follow_up=bool(form.get("follow_up")))
        run = simulation.request(round_id, settings, by=current_user._get_current_object())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.localised(_), "error")
        return redirect(url_for("rounds.detail", round_id=round_id, _anchor="simulation"))
    if run.status == "failed":
        flash(_("The simulation could not be queued: the job queue is not reachable."), "error")
    else:
        flash(_("The simulation has started: its progress is shown below."), "info")
    return redirect(url_for("rounds.detail", round_id=round_id, _anchor="simulation"))
