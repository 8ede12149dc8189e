"""Design-evaluation jobs: compare a round's allocation options by simulation."""

from __future__ import annotations

from survey import queue
from survey.services import design_evaluation


def evaluate(run_id: int) -> dict:
    """Evaluate the run's options; a failure marks the run failed (in the service) and propagates to RQ."""
    run = design_evaluation.run(run_id, progress=queue.progress_reporter())
    return {"run_id": run.id, "round_id": run.round_id, "status": run.status,
            "seconds": (run.result or {}).get("seconds")}
