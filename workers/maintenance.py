"""Housekeeping jobs: the scheduler heartbeat, the queue check, purging uploads, erasing expired phone numbers."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from rq import get_current_job

from survey import queue
from survey.services.system import record_scheduler_tick


def heartbeat() -> str:
    """Periodic: proves the whole chain cron → Redis → worker is alive (shown on the admin page)."""
    now = datetime.now(UTC)
    record_scheduler_tick(get_current_job().connection, now)
    return now.isoformat()


def queue_check(steps: int = 10, delay: float = 0.3) -> dict:
    """Walk through ``steps`` steps, reporting progress; a harmless end-to-end check of the queue."""
    report = queue.progress_reporter(min_interval=0)
    for done in range(steps):
        report(done, steps, f"step {done + 1} of {steps}")
        time.sleep(delay)
    report(steps, steps, "done")
    return {"steps": steps}


def purge_uploads() -> int:
    """Periodic: uploaded frame files older than a day are deleted (they hold clear phone numbers)."""
    from survey.services.frames import purge_uploads as purge

    return purge()


def erase_phones() -> dict:
    """Periodic: erase the phone numbers of rounds closed longer ago than SURVEY_PHONE_RETENTION_DAYS (audited)."""
    from survey.services.retention import erase

    return erase().to_dict()
