"""Home page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from ..services.system import system_status

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/health")
def health():
    """Liveness for operators and the launcher: 200 when the database and Redis answer."""
    status = system_status()
    return jsonify(status.to_dict()), 200 if status.healthy else 503
