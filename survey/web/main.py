"""The home page (each role lands on its own) and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user

from ..services.system import system_status

bp = Blueprint("main", __name__)

ROLE_HOME = {
    "admin": "admin.index",
    "coordinator": "home.coordinator",
    "supervisor": "home.supervisor",
    "caller": "home.caller",
    "verifier": "home.verifier",
    "department": "home.department",
    "leader": "home.leader",
}


@bp.get("/")
def home():
    return redirect(url_for(ROLE_HOME[current_user.role]))


@bp.get("/health")
def health():
    """Liveness for operators and the launcher: 200 when the database and Redis answer."""
    status = system_status()
    return jsonify(status.to_dict()), 200 if status.healthy else 503
