"""Processing stored interviews (the workers' side): scores, complaints and their issues, quality signals.

Idempotent and whole: interviews are processed in one transaction that reads those still
``received``, writes their rows in bulk and moves them to ``processed`` with a conditional UPDATE.
Unique constraints (one complaint per question, one signal per kind) guard the rows: a concurrent
second run fails on them and rolls back instead of doubling anything. Exceptions propagate, so RQ
records and retries them.
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from ..errors import NotFound
from ..extensions import db
from ..fieldwork import answers as answer_checks
from ..fieldwork.processing import process as process_answers
from ..fieldwork.processing import vector
from ..i18n import N_
from ..models import Complaint, Interview, QualitySignal
from ..models.types import utcnow
from . import issues, questionnaires

LIVE_BATCH = 100  # at most this many interviews of its round go along with a live job's own


def process(interview_id: int) -> str:
    """The live path (one job per submission): process this interview and, with it, the interviews of its
    round still waiting when the job starts, oldest first.

    When the workers keep up, a job finds only its own interview. When submissions come faster than one job
    per interview can go, the backlog is taken in batches — the bulk path's cost per interview — and the jobs
    of interviews already taken along find them processed and return at once: the workers keep pace with
    a burst instead of falling further behind.
    """
    own = db.session.execute(select(Interview.status, Interview.round_id).where(Interview.id == interview_id)).first()
    if own is None:
        raise NotFound(N_("no such interview"))
    if own.status != "received":
        return own.status  # taken along by an earlier job, or quarantined since
    waiting = db.session.scalars(select(Interview.id).where(
        Interview.round_id == own.round_id, Interview.status == "received", Interview.id != interview_id)
        .order_by(Interview.id).limit(LIVE_BATCH - 1)).all()
    if interview_id in _process_batch([interview_id, *waiting]):
        return "processed"
    # Another worker's transaction holds it (PostgreSQL): that worker processes it, or the sweeper catches up.
    return db.session.scalar(select(Interview.status).where(Interview.id == interview_id))


def process_many(interview_ids: list[int]) -> dict[str, int]:
    """The bulk path (re-processing, simulation): a batch in one transaction, rows written in bulk.

    Same result as :func:`process` for each interview; those already processed are left alone.
    """
    done = _process_batch(interview_ids)
    return {"processed": len(done), "already": len(interview_ids) - len(done)}


def _process_batch(interview_ids: list[int]) -> set[int]:
    """Process those of the interviews still ``received``, in one transaction; the ids processed."""
    # Rows another worker's transaction holds are skipped, not waited for (PostgreSQL; SQLite's jobs write one
    # at a time): two live jobs may pick overlapping backlogs, and each interview is processed by one of them.
    waiting = db.session.scalars(select(Interview).where(Interview.id.in_(interview_ids),
                                                         Interview.status == "received")
                                 .with_for_update(skip_locked=True, of=Interview)).all()
    complaints, signals, updates, consent = [], [], [], {}
    now = utcnow()
    versions: dict[int, tuple] = {}  # one look-up per questionnaire version in the batch
    for interview in waiting:
        if interview.questionnaire_id not in versions:
            versions[interview.questionnaire_id] = (*questionnaires.frozen(interview.questionnaire_id),
                                                    questionnaires.frozen_indicator_ids(interview.questionnaire_id))
        instrument, ids, indicator_ids = versions[interview.questionnaire_id]
        answers = (interview.payload or {}).get("answers", {})
        result = process_answers(instrument, answers, duration_seconds=interview.duration_seconds,
                                 applicable=answer_checks.check(instrument, answers).applicable)
        consent[interview.id] = result.recontact
        updates.append({"interview_id": interview.id, "scores": result.scores, "satisfied": result.satisfied,
                        "vector": vector(result.scores, result.satisfied, list(indicator_ids)), "processed_at": now})
        complaints += [{"interview_id": interview.id, "round_id": interview.round_id, "question_id": ids[code][0],
                        "indicator_id": indicator_ids.get(indicator or ""), "kind": kind, "text": text}
                       for code, indicator, text, kind in result.complaints]
        signals += [{"interview_id": interview.id, "round_id": interview.round_id, "caller_id": interview.caller_id,
                     "kind": kind, "value": value} for kind, value in result.signals.items()]
    if complaints:
        heard = {interview.id: interview.submitted_at for interview in waiting}
        stored = db.session.execute(insert(Complaint).returning(
            Complaint.id, Complaint.interview_id, Complaint.round_id, Complaint.indicator_id, Complaint.text),
            complaints).all()
        issues.create_from_complaints([
            issues.NewComplaint(complaint_id=c.id, interview_id=c.interview_id, round_id=c.round_id,
                                indicator_id=c.indicator_id, text=c.text, recontact=consent[c.interview_id],
                                heard_at=heard[c.interview_id])
            for c in stored], now=now)
    if signals:
        db.session.execute(insert(QualitySignal), signals)
    pause = current_app.config.get("INTERVIEW_PROCESS_DELAY", 0)
    if pause:  # fault injection for the tests: a worker killed in the middle of this transaction
        time.sleep(float(pause))
    if updates:
        db.session.connection().execute(
            update(Interview.__table__).where(Interview.__table__.c.id == bindparam("interview_id"),
                                              Interview.__table__.c.status == "received")
            .values(status="processed", scores=bindparam("scores"), satisfied=bindparam("satisfied"),
                    vector=bindparam("vector"),
                    processed_at=bindparam("processed_at")), updates)
    db.session.commit()
    return {u["interview_id"] for u in updates}



SWEEP_AFTER_SECONDS = 60
ABANDONED_AFTER_SECONDS = 120  # a running job's heartbeat comes every 30 s: silence this long means its worker died
MAX_SWEEPS = 3  # after this many re-runs a failing interview stays failed, for an administrator to see


def sweep(*, older_than: float = SWEEP_AFTER_SECONDS, abandoned_after: float = ABANDONED_AFTER_SECONDS,
          now=None) -> dict[str, int]:
    """Re-queue interviews still ``received`` after ``older_than`` seconds.

    ``queue.enqueue`` inspects the old job first: queued or running → left alone; finished, failed or
    missing → deleted and enqueued again. A "running" job whose worker has been silent for
    ``abandoned_after`` seconds (killed mid-job) is treated as missing. A job that failed ``MAX_SWEEPS``
    times is left in the failed registry (the admin page shows it, with a retry button).
    """
    from datetime import timedelta

    from .. import queue as jobs

    now = now or utcnow()
    waiting = db.session.scalars(select(Interview.id).where(
        Interview.status == "received", Interview.submitted_at < now - timedelta(seconds=older_than))).all()
    counts = {"waiting": len(waiting), "queued": 0, "left_failed": 0}
    connection = jobs.client()
    for interview_id in waiting:
        job_id = f"interview-{interview_id}"
        old = jobs.fetch_job(job_id, connection=connection)
        status = old.get_status(refresh=False) if old is not None else None
        if status == "failed" and connection.incr(f"survey:sweeps:{job_id}") > MAX_SWEEPS:
            counts["left_failed"] += 1
            continue
        if status == "started" and _silent_for(old, now) > abandoned_after:
            old.delete()  # its worker died mid-job; the transaction it held was rolled back
            counts["abandoned"] = counts.get("abandoned", 0) + 1
        if jobs.enqueue("workers.interviews.process", interview_id, job_id=job_id, connection=connection,
                        description=f"Process interview {interview_id} (sweeper)"):
            counts["queued"] += 1
    return counts


def _silent_for(job, now) -> float:
    last = job.last_heartbeat or job.started_at
    if last is None:
        return 0.0
    last = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)
    return (now - last).total_seconds()

