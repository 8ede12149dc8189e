"""`make run`'s launcher, end to end: web, worker, Redis and demo up; Ctrl-C leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from survey.redis_server import free_port

from .conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.committed


@pytest.mark.skipif(bool(PG_URL), reason="make run is the SQLite set-up")
def test_launcher_serves_the_demo_and_ctrl_c_stops_everything_it_started(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(SURVEY_INSTANCE_PATH=str(tmp_path / "instance"), SURVEY_RUN_DIR=str(tmp_path / "run"),
               SURVEY_PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "survey.devstack"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    output: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "press Ctrl-C" in line:
                break
        text = "".join(output)
        assert "demo load: finished" in text and "100.0%" in text, text[-3000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            assert "登录" in response.read().decode()
        logins = json.loads((tmp_path / "instance" / "demo_logins.json").read_text())
        for username, password in logins.items():
            assert f"{username}" in text and password in text, "make run prints every demo login"

        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        redis_pid = int((tmp_path / "run" / "redis.pid").read_text())
        family.append(psutil.Process(redis_pid))
        assert len(family) >= 7  # launcher, worker, its scheduler + cron, gunicorn + 2 workers, redis

        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        proc.communicate(timeout=60)
        _, alive = psutil.wait_procs(family, timeout=15)
        assert alive == [], f"left running: {[p.cmdline() for p in alive]}"
        assert not (tmp_path / "run" / "redis.pid").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
