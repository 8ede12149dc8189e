"""``make run``: the whole product on one machine — Redis, migrations, demo, web, worker.

    python -m survey.devstack [--port 5000] [--web-workers 2]

Redis is ``SURVEY_REDIS_URL`` if set, else a private daemon (``run/redis.pid``). The database is
``SURVEY_DATABASE_URL`` or SQLite under ``instance/``. Ctrl-C stops everything this started —
the web server, the worker and its scheduler, the private Redis — and nothing else.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from . import redis_server

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUN_DIR = Path(os.environ.get("SURVEY_RUN_DIR") or ROOT / "run")


def say(message: str) -> None:
    print(f"[make run] {message}", flush=True)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def private_redis(run_dir: Path) -> redis_server.RedisDaemon:
    port_file = run_dir / "redis.port"
    if port_file.exists():  # left by an earlier run that did not clean up: reuse and own it
        old = redis_server.RedisDaemon(int(port_file.read_text()), (run_dir / "redis.pid").resolve())
        if old.alive() and old.pid():
            say(f"reusing the private Redis on port {old.port}")
            return old
    daemon = redis_server.start(run_dir)
    say(f"started a private Redis ({redis_server.redis_executable()}) on port {daemon.port}")
    return daemon


def wait_healthy(url: str, procs: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise SystemExit(f"[make run] {p.args[0]} exited with {p.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"[make run] {url} did not become healthy within {timeout:.0f}s")


def load_demo_through_worker() -> None:
    """Queue the demo load and draw its progress bar here, as the admin page does in the browser."""
    from . import create_app, queue
    from .services.jobs import start_demo_load

    app = create_app()
    with app.app_context():
        job_id = start_demo_load()
        if job_id is None:
            raise SystemExit("[make run] could not queue the demo load: Redis is not reachable")
        last = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            view = queue.job_view(job_id)
            if view is None:
                break
            bar = "#" * int(view.percent // 5)
            line = f"demo load: {view.status:<9} [{bar:<20}] {view.percent:5.1f}% {view.message}"
            if line != last:
                say(line)
                last = line
            if view.status in ("finished", "failed", "stopped", "canceled"):
                if view.status != "finished":
                    raise SystemExit(f"[make run] demo load {view.status}: {view.error}")
                return
            time.sleep(0.2)
        raise SystemExit("[make run] the demo load did not finish; is the worker running?")


def start_demo_rounds() -> None:
    """Queue the demo's two simulated rounds; the UI is usable meanwhile (progress on the admin page)."""
    from . import create_app
    from .services.jobs import start_demo_rounds as start

    with create_app().app_context():
        if start() is None:
            say("could not queue the demo rounds: Redis is not reachable")
            return
    say("simulating the demo's two rounds (5,200 completes each) in the worker: about a minute or two; "
        "progress on the administration page, the reports appear when they are done")


def print_demo_logins() -> None:
    from . import create_app
    from .services.demo import demo_logins

    with create_app().app_context():
        logins = demo_logins()
    say("demo logins (user / password; kept in instance/demo_logins.json, never committed):")
    for username, password in logins.items():
        say(f"    {username:<12} {password}")


def stop_all(procs: list[subprocess.Popen], timeout: float = 15) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m survey.devstack")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SURVEY_PORT", 5000)))
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args(argv)
    os.chdir(ROOT)

    def _terminate(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    lock = open(RUN_DIR / "devstack.lock", "w")  # noqa: SIM115 - held until this process exits
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say(f"another `make run` is running (or still stopping) in this checkout ({RUN_DIR}); wait for it")
        return 2
    if not port_free(args.port):
        say(f"port {args.port} is already in use: stop what runs there, or run `SURVEY_PORT=5050 make run`")
        return 2

    redis = None
    procs: list[subprocess.Popen] = []
    try:
        if not os.environ.get("SURVEY_REDIS_URL"):
            redis = private_redis(RUN_DIR)
            os.environ["SURVEY_REDIS_URL"] = redis.url
        # Creates instance/secret_key and instance/phone_key before any server process starts.
        subprocess.run([str(BIN / "survey"), "db", "upgrade"], check=True)
        say("database migrated")
        # Two workers: the demo's simulated rounds run as a job in one while the other processes their
        # interviews (and everything the pages queue meanwhile). The second starts no second scheduler.
        # --simple: jobs run in the worker process. A forked work horse per job cost the callers' pages 60×
        # in p95 latency on 2 cores (soak: 1.6–2 s instead of 27–30 ms); jobs are short and idempotent.
        procs.append(subprocess.Popen([sys.executable, "-m", "workers", "--simple"]))
        procs.append(subprocess.Popen([sys.executable, "-m", "workers", "--simple", "--no-cron"]))
        procs.append(subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(args.web_workers),
                                       "--bind", f"127.0.0.1:{args.port}", "--access-logfile", "-",
                                       "--graceful-timeout", "10", "--no-control-socket", "wsgi:app"]))
        base = f"http://127.0.0.1:{args.port}"
        wait_healthy(f"{base}/health", procs)
        load_demo_through_worker()
        start_demo_rounds()
        say(f"Minsheng is running at {base}/  (administration: {base}/admin/)")
        print_demo_logins()
        say("press Ctrl-C to stop the web server, the worker and the private Redis")
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        dead = next(p for p in procs if p.poll() is not None)
        say(f"{dead.args[0]} {' '.join(map(str, dead.args[1:3]))} exited with {dead.returncode}; stopping")
        return 1
    except KeyboardInterrupt:
        say("stopping…")
        return 0
    except subprocess.CalledProcessError as exc:
        say(f"{' '.join(map(str, exc.cmd))} failed with exit code {exc.returncode}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up
        stop_all(procs)
        if redis is not None:
            redis.stop()
            (RUN_DIR / "redis.port").unlink(missing_ok=True)
        say("stopped")


if __name__ == "__main__":
    sys.exit(main())
