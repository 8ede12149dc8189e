"""JSON status of a background job, polled by the progress-bar component."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import queue
from ..errors import NotFound

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("/<job_id>")
def status(job_id: str):
    view = queue.job_view(job_id)
    if view is None:
        raise NotFound(f"no job {job_id!r} (finished jobs are kept for a limited time)", job_id=job_id)
    return jsonify(view.to_dict())
