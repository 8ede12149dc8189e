"""Interview jobs: take an id, call one service, let exceptions propagate (RQ records and retries)."""

from __future__ import annotations

from survey.services import interviews


def process(interview_id: int) -> str:
    return interviews.process(interview_id)
