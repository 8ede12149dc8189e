"""Simulation jobs: a round's fieldwork rehearsed through the real pipeline."""

from __future__ import annotations

from survey import queue
from survey.services import simulation


def simulate(run_id: int) -> dict:
    return simulation.run_job(run_id, progress=queue.progress_reporter())
