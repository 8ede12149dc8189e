"""Report jobs: build a round's report snapshot."""

from __future__ import annotations

from survey import queue
from survey.services import reports


def build(snapshot_id: int) -> dict:
    try:
        snapshot = reports.build(snapshot_id, progress=queue.progress_reporter())
    except Exception as exc:
        from survey.extensions import db

        db.session.rollback()
        reports.mark_failed(snapshot_id, f"{type(exc).__name__}: {exc}")
        raise  # RQ records the failure; the page shows the snapshot as failed
    return {"snapshot_id": snapshot.id, "round_id": snapshot.round_id, "seconds": snapshot.seconds}
