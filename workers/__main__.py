"""``python -m workers``: an RQ worker with the scheduler, each job in its own app context.

    python -m workers [--burst] [--simple] [--no-cron] [QUEUE ...]

Unless ``--no-cron`` (or ``--burst``), a child process runs the periodic jobs (``workers.cron``);
it is stopped with the worker. ``--simple`` runs jobs in the worker process (SimpleWorker):
faster per job, no isolation; the default forks a work horse per job.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import signal
import subprocess
import sys

from rq import Queue, SimpleWorker, Worker

from survey import create_app, queue
from survey.issues import text

from .appjob import AppJob, bind_app


class _PromptUnsubscribe:
    """Stop the pub/sub thread within a second when the worker stops.

    RQ 3 calls ``pubsub_thread.stop()`` and then ``join(timeout=1)``. Newer redis-py releases make ``stop()`` itself
    join the thread, with no timeout unless one is given, and after the unsubscribe that thread may sit in
    ``get_message`` waiting up to RQ's ``sleep_time`` (60 s) for a subscription: a worker told to stop then took up
    to a minute to exit (``tests/workers/test_worker_process.py``, about one run in six, with such a release).
    redis-py 8.1's ``stop()`` only clears the flag. The thread is a daemon: not waiting for it longer is safe.
    """

    def unsubscribe(self) -> None:
        if self.pubsub_thread:
            self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
            self.pubsub.unsubscribe()
            thread = self.pubsub_thread
            if "timeout" in inspect.signature(thread.stop).parameters:
                thread.stop(timeout=1)
            else:
                thread.stop()
                thread.join(timeout=1)


class AppWorker(_PromptUnsubscribe, Worker):
    pass


class AppSimpleWorker(_PromptUnsubscribe, SimpleWorker):
    pass


def _parent_death_signal() -> None:
    """Linux: the cron child gets SIGTERM if this worker dies without cleaning up."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__.splitlines()[0])
    parser.add_argument("queues", nargs="*", help="queues to work, in priority order (default: the app's)")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--simple", action="store_true", help="run jobs in this process (SimpleWorker)")
    parser.add_argument("--no-cron", action="store_true", help="do not start the periodic-job scheduler")
    parser.add_argument("--name", help="worker name (default: RQ's)")
    args = parser.parse_args(argv)

    app = create_app()
    bind_app(app)
    text.warm()  # jieba's dictionary once here, not in every forked work horse (~1 s each)
    connection = queue.connect(app.config["REDIS_URL"], fail_fast=False)
    names = args.queues or [app.config["QUEUE_NAME"]]
    queues = [Queue(n, connection=connection, serializer=queue.SERIALIZER) for n in names]
    worker_class = AppSimpleWorker if args.simple else AppWorker
    worker = worker_class(queues, connection=connection, job_class=AppJob, serializer=queue.SERIALIZER,
                          name=args.name)

    cron = None
    if not (args.no_cron or args.burst):
        cron = subprocess.Popen([sys.executable, "-m", "workers.cron"], preexec_fn=_parent_death_signal)
    try:
        worker.work(burst=args.burst, with_scheduler=True, logging_level=logging.INFO)
    finally:
        if cron is not None:
            cron.terminate()
            try:
                cron.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cron.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
