"""Each role's landing page. Later features fill them; each says plainly what is there today."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..services import dashboard, fieldwork, rounds
from ..services.system import reference_counts
from .forms import query_number

bp = Blueprint("home", __name__)


@bp.get("/coordinator/")
def coordinator():
    return render_template("home/coordinator.html", reference=reference_counts())


@bp.get("/supervisor/")
def supervisor():
    """The fieldwork monitor: choose a round (the first in the field by default); the figures refresh."""
    rounds_ = [r for r in rounds.list_rounds() if r.status in ("fielding", "closed", "reported")]
    chosen = query_number("round") or next((r.id for r in rounds_ if r.status == "fielding"),
                                                         rounds_[0].id if rounds_ else None)
    return render_template("home/supervisor.html", rounds=rounds_, chosen=chosen,
                           progress=dashboard.round_progress(chosen) if chosen else None)


@bp.get("/supervisor/rounds/<int:round_id>/live")
def supervisor_live(round_id: int):
    """The figures alone (an HTML fragment the page swaps in every few seconds)."""
    return render_template("home/_progress.html", progress=dashboard.round_progress(round_id))


@bp.get("/calls/")
def caller():
    me = current_user._get_current_object()
    return render_template("home/caller.html", rounds=fieldwork.fielding_rounds(), held=fieldwork.held_case(me),
                           today=fieldwork.caller_today(me))


@bp.get("/verifier/")
def verifier():
    return redirect(url_for("verification.index"))


@bp.get("/department/")
def department():
    return redirect(url_for("issues.index"))


@bp.get("/leader/")
def leader():
    return redirect(url_for("reports.index"))
