"""Processing a stored interview (the worker's side). Idempotent: a processed interview is left alone.

This first step marks it processed; scoring, issue extraction and quality signals are added by the
interview-pipeline and issue-loop work on top of the same entry point.
"""

from __future__ import annotations

from ..errors import NotFound
from ..extensions import db
from ..i18n import N_
from ..models import Interview
from ..models.types import utcnow


def process(interview_id: int) -> str:
    interview = db.session.get(Interview, interview_id)
    if interview is None:
        raise NotFound(N_("no such interview"))
    if interview.status != "received":
        return interview.status
    interview.status, interview.processed_at = "processed", utcnow()
    db.session.commit()
    return interview.status
