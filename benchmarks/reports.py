"""Report snapshots and exports on a round of N completed interviews (SQLite, rows written in bulk).

Measured: ``services.reports.build`` — the bulk read of the score vectors, every weighted estimate for the
city and six districts, rank intervals, response rates, the issue and verification sections — then the
XLSX and PDF of that snapshot. Baseline, in the same run: reading the round's score column alone (the I/O
no snapshot can avoid). Targets (issue 10): snapshot 10,400 ≤ 1 s, 1,000,000 ≤ 15 s; XLSX ≤ 2 s; PDF ≤ 5 s.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

from survey import create_app

from .harness import Result, best_of

CHUNK = 50_000


def _populate(app, n: int, seed: int) -> int:
    """The demo city, a frame, a round with one stratum per district and ``n`` processed completes."""
    import flask_migrate

    from survey.extensions import db
    from survey.fieldwork.processing import vector
    from survey.models import Case, Frame, FrameUnit, Interview, Region, Round, Stratum, User
    from survey.services import questionnaires
    from survey.services.demo import load_demo

    rng = np.random.default_rng(seed)
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        questionnaire = questionnaires.list_questionnaires()[0]
        codes = list(questionnaires.frozen_indicator_ids(questionnaire.id))
        caller = db.session.scalar(select(User).where(User.role == "caller"))
        districts = db.session.scalars(select(Region).where(Region.level != "city").order_by(Region.position)).all()
        frame = Frame(name="bench", source="synthetic", status="ready", unit_count=n)
        round_ = Round(name="bench round", status="closed", design={}, questionnaire_id=questionnaire.id)
        db.session.add_all([frame, round_])
        db.session.flush()
        share = np.array([d.population for d in districts], dtype=float)
        share /= share.sum()
        per_district = rng.multinomial(n, share)
        strata = []
        for position, (district, count) in enumerate(zip(districts, per_district, strict=True)):
            stratum = Stratum(round_id=round_.id, position=position, key=district.code, label={"region": district.code},
                              population=int(district.population), target=int(count), issued=int(count),
                              selected=int(count), replicate_size=max(int(count), 1), released=int(count))
            db.session.add(stratum)
            strata.append(stratum)
        db.session.commit()
        round_id, frame_id, questionnaire_id, caller_id = round_.id, frame.id, questionnaire.id, caller.id
        stratum_of = np.repeat(np.arange(len(districts)), per_district)
        levels = np.array([100.0, 80.0, 60.0, 40.0, 0.0])
        choice = rng.choice(5, size=(n, len(codes)), p=[0.45, 0.3, 0.15, 0.06, 0.04])
        dont_know = rng.random((n, len(codes))) < 0.05
        for start in range(0, n, CHUNK):
            rows = range(start, min(n, start + CHUNK))
            units = db.session.execute(insert(FrameUnit).returning(FrameUnit.id, sort_by_parameter_order=True), [
                {"frame_id": frame_id, "phone_hash": int(i).to_bytes(32, "big"), "phone_enc": b"x" * 40,
                 "phone_kind": "mobile", "region_id": districts[stratum_of[i]].id, "urban": bool(i % 2),
                 "sex": "MF"[i % 2], "age": 40, "age_band": "35-44", "cell": 0, "extra": None} for i in rows]
            ).scalars().all()
            cases = db.session.execute(insert(Case).returning(Case.id, sort_by_parameter_order=True), [
                {"round_id": round_id, "stratum_id": strata[stratum_of[i]].id, "frame_unit_id": unit,
                 "replicate": 1, "released": True, "final_code": "1.1", "final_group": "I"}
                for i, unit in zip(rows, units, strict=True)]).scalars().all()
            interviews = []
            for i, case in zip(rows, cases, strict=True):
                scores = {c: None if dont_know[i, j] else float(levels[choice[i, j]]) for j, c in enumerate(codes)}
                interviews.append({
                    "case_id": case, "round_id": round_id, "questionnaire_id": questionnaire_id,
                    "caller_id": caller_id, "idempotency_key": f"bench-{i}", "status": "processed",
                    "outcome": "complete", "final_code": "1.1", "answered_share": 1.0, "paradata": {}, "payload": {},
                    "scores": scores, "satisfied": (satisfied := {c: None if v is None else int(v >= 80)
                                                             for c, v in scores.items()}),
                    "vector": vector(scores, satisfied, codes)})
            db.session.execute(insert(Interview), interviews)
            db.session.commit()
        return round_id


def run(quick: bool) -> list[Result]:
    from survey.extensions import db
    from survey.models import Interview, ReportSnapshot, Round
    from survey.reports import charts, exports
    from survey.services import reports

    sizes = (10_400, 100_000) if quick else (10_400, 1_000_000)
    targets = {10_400: 1.0, 1_000_000: 15.0}
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            app = create_app({"INSTANCE_PATH": str(tmp / "instance"), "DATABASE_URL": f"sqlite:///{tmp / 'r.db'}",
                              "REDIS_URL": "redis://127.0.0.1:1/0", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
            started = time.perf_counter()
            round_id = _populate(app, n, seed=1)
            populate = time.perf_counter() - started
            with app.app_context():
                def read_scores(round_id: int = round_id) -> None:
                    db.session.execute(select(Interview.scores).where(Interview.round_id == round_id)).all()
                    db.session.rollback()

                def build(round_id: int = round_id) -> ReportSnapshot:
                    snapshot = ReportSnapshot(round_id=round_id, settings={"weighting": "nonresponse"})
                    db.session.add(snapshot)
                    db.session.commit()
                    return reports.build(snapshot.id)

                repeats = 3 if n <= 100_000 else 1
                baseline = best_of(repeats, read_scores)
                seconds = best_of(repeats, build)
                results.append(Result("reports", f"snapshot, {n:,} respondents × 12 × 7 domains", seconds, "s",
                                      baseline=baseline, target=targets.get(n), higher_is_better=False,
                                      absolute=True, note=f"baseline: reading the score column alone; rows "
                                                          f"written in {populate:.0f} s"))
                if n == sizes[0]:
                    snapshot = reports.latest(round_id)
                    view = exports.ReportView(snapshot.content)
                    xlsx = best_of(3, lambda view=view: exports.to_xlsx(view, lambda s: s))
                    csv = best_of(3, lambda view=view: exports.to_csv(view, lambda s: s))
                    results.append(Result("reports", "XLSX export", xlsx, "s", baseline=csv, target=2.0,
                                          higher_is_better=False, absolute=True, note="baseline: the CSV export"))
                    try:
                        from flask import render_template

                        with app.test_request_context():
                            html = render_template("reports/print.html", round=db.session.get(Round, round_id),
                                                   snapshot=snapshot, view=view, charts=charts)
                        pdf = best_of(2, lambda html=html: exports.to_pdf(html))
                        results.append(Result("reports", "PDF export", pdf, "s", baseline=csv, target=5.0,
                                              higher_is_better=False, absolute=True,
                                              note="WeasyPrint, charts as SVG, CJK font embedded"))
                    except exports.PdfUnavailable as exc:
                        results.append(Result("reports", "PDF export", float("nan"), "s", note=str(exc)))
    return results
