"""Interview jobs: take ids, call one service, let exceptions propagate (RQ records and retries)."""

from __future__ import annotations

from survey.services import interviews


def process(interview_id: int) -> str:
    return interviews.process(interview_id)


def process_many(interview_ids: list[int]) -> dict[str, int]:
    """The bulk path: many interviews per job (re-processing a round, simulation)."""
    return interviews.process_many(interview_ids)


def sweep() -> dict[str, int]:
    """Periodic: interviews still waiting to be processed are queued again."""
    return interviews.sweep()
