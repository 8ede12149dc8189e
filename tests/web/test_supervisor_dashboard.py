"""The supervisor's fieldwork monitor: progress and rates per stratum and per caller, refreshed live."""

from __future__ import annotations

from survey.services import dashboard, fieldwork

from ..conftest import make_user
from ..services.test_fieldwork import EVENING, complete_answers
from ..services.test_rounds import frame  # noqa: F401
from .test_cati_pages import fielding_round


def test_the_monitor_shows_progress_rates_and_callers(as_role, db, frame):  # noqa: F811
    round_ = fielding_round(frame)
    caller = make_user("caller")
    case = fieldwork.claim_next(round_.id, caller, now=EVENING)
    fieldwork.submit_interview(case.id, caller, {"idempotency_key": "m" * 32, "answers": complete_answers(),
                                                 "paradata": {"started_at": "2026-11-23T10:55:00Z"}}, now=EVENING)
    case = fieldwork.claim_next(round_.id, caller, now=EVENING)
    fieldwork.record_outcome(case.id, caller, "refusal_after", now=EVENING)
    case = fieldwork.claim_next(round_.id, caller, now=EVENING)
    fieldwork.record_outcome(case.id, caller, "invalid", now=EVENING)

    progress = dashboard.round_progress(round_.id)
    total = progress["total"]
    assert total.extra["completes"] == 1 and total.counts == {"I": 1, "NE": 1}
    assert total.rates["RR1"] == 1.0  # the first refusal is converted later: not final yet
    (line,) = progress["callers"]
    assert line.extra["dials"] == 3 and line.extra["completes"] == 1 and line.extra["median_minutes"] == 5.0
    assert sum(s.extra["completes"] for s in progress["strata"]) == 1

    supervisor = as_role("supervisor")
    page = supervisor.get("/supervisor/").get_data(as_text=True)
    assert round_.name in page and "RR3" in page and caller.display_name in page
    live = supervisor.get(f"/supervisor/rounds/{round_.id}/live")
    assert live.status_code == 200 and "<html" not in live.get_data(as_text=True)
