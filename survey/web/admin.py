"""Administration: system status and maintenance jobs (demo data, queue check)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..services import jobs as job_service
from ..services.system import reference_counts, system_status

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    job_id = request.args.get("job")
    return render_template("admin/index.html", status=system_status(), reference=reference_counts(),
                           job_id=job_id)


@bp.post("/demo")
def load_demo():
    return _started(job_service.start_demo_load())


@bp.post("/queue-check")
def queue_check():
    return _started(job_service.start_queue_check())


def _started(job_id: str | None):
    if job_id is None:
        flash("The job queue (Redis) is not reachable: nothing was started. "
              "Run `survey seed demo` from a shell, or start Redis and try again.", "error")
        return redirect(url_for("admin.index"))
    return redirect(url_for("admin.index", job=job_id))
