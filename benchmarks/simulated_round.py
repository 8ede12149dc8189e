"""A simulated round of 10,400 completes end to end through the real pipeline (SQLite, a private Redis,
two RQ workers started for the run): fieldwork through the caller's services, processing by the workers,
verification selection, the follow-up of issues and checks, the report.

Baseline, in the same run: the pure caller model (:func:`survey.simulation.callers.simulate_team`) producing
the same number of completes with no database, queue or workers — what the pipeline adds on top of the
simulation itself. Target (issue 11): 10,400 completes end to end in ≤ 90 s on 2 cores. ``quick``: 2,600.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from survey import create_app, redis_server

from .harness import Result

COMPLETES, QUICK_COMPLETES = 10_400, 2_600


def _round(app, tmp: Path, completes: int) -> int:
    import flask_migrate
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import User
    from survey.services import frames, questionnaires, rounds
    from survey.services.demo import load_demo
    from survey.services.synthetic import SYNTHETIC_MAPPING, write_synthetic_csv

    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        frame = frames.create_frame("bench frame")
        write_synthetic_csv(tmp / "frame.csv", people=max(60_000, completes * 20), seed=3)
        frames.import_file(frame.id, tmp / "frame.csv", SYNTHETIC_MAPPING)
        coordinator = db.session.scalar(select(User).where(User.role == "coordinator"))
        round_ = rounds.create_round("bench round", frame.id, {"strata": ["region"], "target": completes, "base": 500,
                                                               "completion_rate": 0.35},
                                     by=coordinator, questionnaire_id=questionnaires.list_questionnaires()[0].id)
        rounds.draw(round_.id, seed=5)
        return round_.id


def _pure(completes: int) -> float:
    from survey.simulation.callers import Caller, simulate_team
    from survey.simulation.population import demo_population

    team = [Caller(i) for i in range(1, 31)]
    per_caller = {c.id: completes // len(team) + (i < completes % len(team)) for i, c in enumerate(team)}
    started = time.perf_counter()
    simulate_team(team, demo_population(2), per_caller, seed=2)
    return time.perf_counter() - started


def run(quick: bool) -> list[Result]:
    import os

    from survey.extensions import writing
    from survey.services import simulation
    from workers.pool import workers_for_the_run

    completes = QUICK_COMPLETES if quick else COMPLETES
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        redis = redis_server.start(tmp / "redis")
        saved = {k: os.environ.get(k) for k in ("SURVEY_DATABASE_URL", "SURVEY_REDIS_URL", "SURVEY_INSTANCE_PATH")}
        os.environ.update(SURVEY_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}", SURVEY_REDIS_URL=redis.url,
                          SURVEY_INSTANCE_PATH=str(tmp / "instance"))
        try:
            app = create_app()
            round_id = _round(app, tmp, completes)
            with app.app_context():
                started = time.perf_counter()
                with workers_for_the_run(2), writing():
                    outcome = simulation.simulate_round(round_id, simulation.Settings(callers=30, falsifiers=2,
                                                                                      seed=2))
                total = time.perf_counter() - started
        finally:
            redis.stop()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    pure = _pure(completes)
    note = f"{outcome.counts['dials']:,} dials, {outcome.counts['interviews']:,} interviews, " \
           f"{outcome.counts.get('issues', 0):,} issues; baseline: the caller model alone (no DB, queue or workers)"
    results = [Result("simulated round", f"{completes:,} completes end to end", total, "s", baseline=pure,
                      target=90.0 * completes / COMPLETES, higher_is_better=False, absolute=True, note=note)]
    results += [Result("simulated round", f"  stage: {name}", seconds, "s", higher_is_better=False)
                for name, seconds in outcome.stages.items()]
    return results
