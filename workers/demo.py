"""Demo data jobs."""

from __future__ import annotations

from survey import queue
from survey.services import demo


def load_demo() -> dict:
    return demo.load_demo(progress=queue.progress_reporter())


def simulate_rounds() -> list[dict]:
    """The demo's two simulated, reported rounds (after ``load_demo``)."""
    from survey.services import simulation

    return [o.to_dict() for o in simulation.demo_rounds(progress=queue.progress_reporter())]
