"""Starting a simulated fieldwork from the round page, and what the page shows of it."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import Round, SimulationRun
from survey.services import simulation
from tests.conftest import make_fielding_round


def test_a_coordinator_starts_a_simulation_and_sees_its_progress(as_role, db, tmp_path):
    round_id = make_fielding_round(tmp_path, "页面模拟", people=3000, seed=6)
    client = as_role("coordinator")
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert f'action="/rounds/{round_id}/simulate"' in page

    answer = client.post(f"/rounds/{round_id}/simulate", data={"callers": "5", "falsifiers": "1", "seed": "2",
                                                                "falsifier_kind": "blatant", "follow_up": "1"})
    assert answer.status_code == 302
    run = db.session.scalar(select(SimulationRun).where(SimulationRun.round_id == round_id))
    assert run.kind == "fieldwork" and run.status == "queued" and run.job_id == f"simulate-{run.id}"
    assert run.settings["callers"] == 5 and run.settings["falsifier_kind"] == "blatant"
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert f'data-job-url="/jobs/{run.job_id}' in page  # the progress bar follows the job
    assert 'action="/rounds/' + str(round_id) + '/simulate"' not in page  # no second start meanwhile


def test_the_finished_run_shows_its_stage_times_and_links_the_report(as_role, db, tmp_path):
    round_id = make_fielding_round(tmp_path, "已模拟", people=3000, seed=7)
    client = as_role("coordinator")
    run_id = simulation.request(round_id, simulation.Settings(callers=3, seed=1), by=None).id
    result = simulation.run_job(run_id)

    assert db.session.get(SimulationRun, run_id).status == "done"
    assert db.session.get(Round, round_id).status == "closed"
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert page.count('<td class="num">') >= len(result["stages"])
    assert f'href="/reports/rounds/{round_id}"' in page
    assert f"{result['counts']['completes']:,}" in page


def test_bad_settings_are_refused_and_nothing_is_queued(as_role, db, tmp_path):
    round_id = make_fielding_round(tmp_path, "错误设置", people=3000, seed=8)
    answer = as_role("coordinator").post(f"/rounds/{round_id}/simulate", data={"callers": "many"},
                                         follow_redirects=True)
    assert "callers" in answer.get_data(as_text=True)
    assert db.session.scalar(select(SimulationRun).where(SimulationRun.round_id == round_id)) is None


def test_callers_cannot_start_a_simulation(as_role, db, tmp_path):
    round_id = make_fielding_round(tmp_path, "无权模拟", people=3000, seed=9)
    assert as_role("caller").post(f"/rounds/{round_id}/simulate", data={}).status_code == 403
