"""Each role's landing page. Later features fill them; each says plainly what is there today."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..services import fieldwork
from ..services.system import reference_counts

bp = Blueprint("home", __name__)


@bp.get("/coordinator/")
def coordinator():
    return render_template("home/coordinator.html", reference=reference_counts())


@bp.get("/supervisor/")
def supervisor():
    return render_template("home/supervisor.html")


@bp.get("/calls/")
def caller():
    me = current_user._get_current_object()
    return render_template("home/caller.html", rounds=fieldwork.fielding_rounds(), held=fieldwork.held_case(me),
                           today=fieldwork.caller_today(me))


@bp.get("/verification/")
def verifier():
    return render_template("home/verifier.html")


@bp.get("/department/")
def department():
    return render_template("home/department.html", department=current_user.department)


@bp.get("/leader/")
def leader():
    return render_template("home/leader.html")
