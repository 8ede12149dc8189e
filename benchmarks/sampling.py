"""Frames and draws at city scale: import a 1,000,000-row CSV, draw 10,400 and 100,000 from it.

Baselines, measured in the same run:
- import: parsing the same CSV and inserting its raw rows with plain ``sqlite3.executemany``
  (no checks, no hashing, no encryption) — what the import costs over moving the bytes;
- draw: merely reading the frame's stratum columns (what any draw must do at least);
- memory: the process's peak RSS before the work began.
Targets (from the issue): import ≥ 100,000 rows/s; draw 10,400 of 1M ≤ 2 s; peak RSS ≤ 600 MB.
"""

from __future__ import annotations

import csv
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import select

from survey import create_app
from survey.models import FrameUnit
from survey.services import frames, rounds
from survey.services.demo import load_demo
from survey.services.rounds import fetch_integers
from survey.services.synthetic import write_synthetic_csv

from .harness import Result

MAPPING = {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"}
ALL_STRATA = ["region", "urban", "sex", "age_band"]  # 6 × 2 × 2 × 4 = 96 strata


def _peak_rss_mb(children: bool = False) -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF).ru_maxrss / 1024


def _raw_insert(path: Path, db_path: Path) -> float:
    started = time.perf_counter()
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE raw (name TEXT, phone TEXT, region TEXT, urban TEXT, sex TEXT, age TEXT)")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        batch = []
        for row in reader:
            batch.append(row)
            if len(batch) == 5000:
                con.executemany("INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?)", batch)
                batch.clear()
        con.executemany("INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?)", batch)
    con.commit()
    con.close()
    return time.perf_counter() - started


def run(quick: bool) -> list[Result]:
    people = 100_000 if quick else 1_000_000
    draws = (10_400, 20_000) if quick else (10_400, 100_000)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        app = create_app({"INSTANCE_PATH": str(tmp / "instance"), "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
                          "REDIS_URL": "redis://127.0.0.1:1/0"})
        with app.app_context():
            flask_migrate.upgrade()
            load_demo()
            csv_path = tmp / "frame.csv"
            write_synthetic_csv(csv_path, people=people, seed=2026)
            rss_before = _peak_rss_mb()
            baseline = people / _raw_insert(csv_path, tmp / "raw.db")
            frame = frames.create_frame("benchmark")
            started = time.perf_counter()
            record = frames.import_file(frame.id, csv_path, MAPPING)
            elapsed = time.perf_counter() - started
            assert record.status == "done" and record.imported == people, record.message
            results.append(Result("sampling", f"import {people:,}-row CSV", people / elapsed, "rows/s", baseline,
                                  target=100_000, absolute=True,
                                  note="checks, keyed hash, AES-GCM, bulk insert; baseline: raw executemany"))

            started = time.perf_counter()
            fetch_integers(select(FrameUnit.id, FrameUnit.cell).where(FrameUnit.frame_id == frame.id)
                           .order_by(FrameUnit.id), columns=2)
            read_only = time.perf_counter() - started
            for n in draws:
                design = {"strata": ALL_STRATA, "target": n, "completion_rate": 1.0, "reserve_replicates": 0}
                round_ = rounds.create_round(f"draw {n}", frame.id, design)
                started = time.perf_counter()
                rounds.draw(round_.id, seed=7)
                seconds = time.perf_counter() - started
                results.append(Result("sampling", f"draw {n:,} of {people:,} (96 strata, cases written)", seconds, "s",
                                      read_only, target=2.0 if n == 10_400 else None, higher_is_better=False,
                                      absolute=True, note="baseline: reading the units' ids and stratum cells only"))
        results.append(Result("sampling", "peak RSS", _peak_rss_mb(), "MB", rss_before, target=600,
                              higher_is_better=False, absolute=True, note="baseline: before the import"))
        results.append(Result("sampling", "peak RSS of the import's helper process", _peak_rss_mb(children=True),
                              "MB", rss_before, target=600, higher_is_better=False, absolute=True,
                              note="the forked reader/checker; baseline: the parent before the import"))
    return results
