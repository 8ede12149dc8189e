"""Demo data jobs."""

from __future__ import annotations

from survey import queue
from survey.services import demo


def load_demo() -> dict:
    return demo.load_demo(progress=queue.progress_reporter())
