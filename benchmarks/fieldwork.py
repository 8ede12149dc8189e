"""Fieldwork under load: 50 simulated callers over loopback against the production server.

gunicorn (2 workers × 4 threads, as ``make run``) on SQLite, a private Redis for the queue. Callers
run in 5 OS processes × 10 threads and use the pages as a caller does (claim, case page, outcome or
interview page + submit, own page), once with no think time
(throughput, p50/p95) and once with ~2 s think time (target: p95 ≤ 150 ms). Baseline, same run and
same load: the p50 of GET /health (the server's floor).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import flask_migrate
import numpy as np

from survey import create_app, redis_server
from survey.extensions import db
from survey.services import accounts, frames, lifecycle, questionnaires, rounds
from survey.services.demo import load_demo
from survey.services.synthetic import write_synthetic_csv

from .harness import Result

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark caller password 2026"
CALLERS, PROCESSES = 50, 5
MAPPING = {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"}


def _prepare(tmp: Path, redis_url: str) -> tuple[dict, int, list[str], Path]:
    config = {"INSTANCE_PATH": str(tmp / "instance"), "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
              "REDIS_URL": redis_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        frame = frames.create_frame("fieldwork benchmark")
        write_synthetic_csv(tmp / "frame.csv", people=60_000, seed=11)
        frames.import_file(frame.id, tmp / "frame.csv", MAPPING)
        coordinator = accounts.create_user("bench_coordinator", password=PASSWORD, role="coordinator")
        demo = questionnaires.list_questionnaires()[0]
        round_ = rounds.create_round("fieldwork benchmark", frame.id,
                                     {"strata": ["region"], "target": 10_400, "completion_rate": 0.9},
                                     by=coordinator, questionnaire_id=demo.id)
        rounds.draw(round_.id, seed=1)
        lifecycle.change_status(round_.id, "fielding", by=coordinator)
        round_.call_rules = {"windows": [["00:00", "24:00"]], "max_attempts": 20}
        names = [accounts.create_user(f"bench_caller_{i:02d}", password=PASSWORD, role="caller").username
                 for i in range(CALLERS)]
        answers = {"S1": 40, "S2": "yes", **{q.code: "fairly_satisfied" for q in demo.questions if q.type == "scale"}}
        db.session.commit()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
        env.update({"SURVEY_DATABASE_URL": config["DATABASE_URL"], "SURVEY_REDIS_URL": redis_url,
                    "SURVEY_INSTANCE_PATH": app.instance_path, "SURVEY_SECRET_KEY": app.config["SECRET_KEY"],
                    "SURVEY_PHONE_KEY": app.config["PHONE_KEY"], "SURVEY_WTF_CSRF_ENABLED": "false",
                    "SURVEY_SESSION_COOKIE_SECURE": "false", "SURVEY_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                    "PYTHONPATH": str(ROOT)})
        answers_path = tmp / "answers.json"
        answers_path.write_text(json.dumps(answers))
        return env, round_.id, names, answers_path


def _serve(env: dict, port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
                             f"127.0.0.1:{port}", "--no-control-socket", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")


def _load(base: str, round_id: int, names: list[str], answers: Path, think: float, seconds: float) -> dict:
    per = len(names) // PROCESSES
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.fieldwork_client", base, str(round_id), PASSWORD,
                               str(think), str(seconds), str(answers), *names[i * per:(i + 1) * per]],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True) for i in range(PROCESSES)]
    merged: dict[str, list[float]] = {}
    errors: list[str] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 120)
        data = json.loads(out)
        errors += data["errors"]
        for kind, values in data["latencies"].items():
            merged.setdefault(kind, []).extend(values)
    return {"latencies": merged, "errors": errors}


def _health_p50(base: str, n: int = 200) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        urllib.request.urlopen(f"{base}/health", timeout=10).read()
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50))


def run(quick: bool) -> list[Result]:
    busy_seconds, think_seconds = (10, 20) if quick else (30, 60)
    results = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis = redis_server.start(tmp / "redis")
        try:
            env, round_id, names, answers = _prepare(tmp, redis.url)
            port = redis_server.free_port()
            server = _serve(env, port, tmp / "gunicorn.log")
            base = f"http://127.0.0.1:{port}"
            try:
                floor = _health_p50(base)
                busy = _load(base, round_id, names, answers, 0.0, busy_seconds)
                work = [v for k, v in busy["latencies"].items() if k != "login" for v in v]
                requests = len(work)
                results.append(Result("fieldwork", f"{CALLERS} callers, no think time: throughput",
                                      requests / busy_seconds, "req/s",
                                      note=f"claims, outcomes and interviews; errors: {len(busy['errors'])}"))
                for q in (50, 95):
                    results.append(Result("fieldwork", f"no think time: p{q} latency", float(np.percentile(work, q)),
                                          "ms", floor, higher_is_better=False, note="baseline: GET /health p50"))
                calm = _load(base, round_id, names, answers, 2.0, think_seconds)
                claims = calm["latencies"].get("claim", [])
                every = [v for k, v in calm["latencies"].items() if k != "login" for v in v]
                results.append(Result("fieldwork", "2 s think time: p95 latency (all requests)",
                                      float(np.percentile(every, 95)), "ms", floor, target=150, higher_is_better=False,
                                      absolute=True, note=f"errors: {len(calm['errors'])}; {len(every)} requests"))
                results.append(Result("fieldwork", "2 s think time: p95 claim latency",
                                      float(np.percentile(claims, 95)), "ms", floor, target=150,
                                      higher_is_better=False, absolute=True))
                for kind in ("submit", "outcome", "case page", "interview page", "caller page"):
                    values = calm["latencies"].get(kind, [])
                    if values:
                        results.append(Result("fieldwork", f"2 s think time: p95 {kind} latency",
                                              float(np.percentile(values, 95)), "ms", floor, higher_is_better=False))
            finally:
                server.terminate()
                server.wait(timeout=30)
        finally:
            redis.stop()
    return results
