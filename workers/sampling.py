"""Sampling jobs: draw a round's sample, import a frame file."""

from __future__ import annotations

import contextlib
from pathlib import Path

from survey import queue
from survey.services import frames, rounds


def draw(round_id: int) -> dict:
    round_ = rounds.draw(round_id, progress=queue.progress_reporter())
    return {"round_id": round_.id, "status": round_.status}


def import_frame(import_id: int, path: str) -> dict:
    """Import an uploaded file; the upload (clear numbers) is deleted whatever happens."""
    try:
        record = frames.run_import(import_id, path, progress=queue.progress_reporter())
        return {"import_id": record.id, "status": record.status, "imported": record.imported,
                "rejected": record.rejected}
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()
