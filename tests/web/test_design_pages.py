"""The design-evaluation pages: a coordinator compares allocations of a round; supervisors and leaders read them.

Jobs run in-process here (the service's ``run``), as in the other page tests.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from survey.models import SimulationRun
from survey.services import design_evaluation, rounds
from survey.simulation.evaluation import DesignOption

from ..services.test_design_evaluation import draft_round  # noqa: F401  (fixture)


def post_form(*rows: dict, **settings) -> dict:
    data = {"replicates": "100", "seed": "7", **settings}
    for i, row in enumerate(rows):
        data.update({f"options-{i}-{k}": str(v) for k, v in {"include": "1", **row}.items()})
    return data


def runs(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SimulationRun))


def test_the_coordinator_sees_the_form_filled_with_the_default_options(as_role, draft_round):  # noqa: F811
    page = as_role("coordinator").get(f"/rounds/{draft_round.id}/design")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="csrf_token"' in html and f'action="/rounds/{draft_round.id}/design"' in html
    assert html.count('name="options-') == 6 * 6  # six rows: include, label, method, completes, base, power
    assert html.count("checked") == 4  # the round's own design, proportional, equal, Neyman
    assert 'name="options-0-completes" value="120"' in html and 'name="options-0-base" value="6"' in html
    assert 'name="replicates" value="1000"' in html


def test_the_round_page_links_to_the_comparison(as_role, draft_round):  # noqa: F811
    html = as_role("coordinator").get(f"/rounds/{draft_round.id}").get_data(as_text=True)
    assert f'href="/rounds/{draft_round.id}/design"' in html


def test_bad_input_is_refused_with_422_naming_the_field_and_nothing_is_stored(as_role, draft_round, db, redis):  # noqa: F811
    coordinator = as_role("coordinator")
    response = coordinator.post(f"/rounds/{draft_round.id}/design",
                                data=post_form({"label": "A", "method": "equal", "completes": 60},
                                               {"label": "B", "method": "equal", "completes": "lots"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="options-1-completes-error"' in html and 'href="#options-1-completes"' in html
    assert re.search(r'id="options-1-completes" name="options-1-completes" value="lots"[^>]*aria-invalid="true"', html)
    assert runs(db) == 0
    too_few = coordinator.post(f"/rounds/{draft_round.id}/design", data=post_form({"method": "equal",
                                                                                   "completes": 60},
                                                                                  replicates="50"))
    assert too_few.status_code == 422 and 'id="replicates-error"' in too_few.get_data(as_text=True)
    nothing = coordinator.post(f"/rounds/{draft_round.id}/design", data={"replicates": "100", "seed": "1"})
    assert nothing.status_code == 422 and 'id="options"' in nothing.get_data(as_text=True)
    assert runs(db) == 0


def test_post_starts_a_run_and_shows_its_progress(as_role, draft_round, db, redis):  # noqa: F811
    coordinator = as_role("coordinator")
    response = coordinator.post(f"/rounds/{draft_round.id}/design",
                                data=post_form({"label": "比例", "method": "proportional", "completes": 120}))
    assert response.status_code == 303
    run = db.session.scalars(select(SimulationRun)).one()
    assert response.headers["Location"].endswith(f"/rounds/{draft_round.id}/design/{run.id}")
    assert run.status == "queued" and run.kind == "design" and run.settings["options"][0]["label"] == "比例"
    assert run.created_by_id == coordinator.user.id
    html = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-job-url="/jobs/design-{run.id}"' in html and "data-reload-on-finish" in html


def test_a_finished_run_shows_the_comparison_table_and_chart(as_role, draft_round, db, redis):  # noqa: F811
    run = design_evaluation.request(draft_round.id, [DesignOption("按比例", "proportional", 120),
                                                     DesignOption("等额", "equal", 120)],
                                    replicates=100, seed=3, by=None)
    design_evaluation.run(run.id)
    for role in ("coordinator", "supervisor", "leader"):
        client = as_role(role)
        for url in (f"/rounds/{draft_round.id}/design/{run.id}", f"/rounds/{draft_round.id}/design"):
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            html = response.get_data(as_text=True)
            assert 'id="comparison"' in html and 'id="district-half-widths"' in html
            assert "按比例" in html and "等额" in html and "湖西县" in html
            chart = html.split('id="design-chart"')[1].split("</svg>")[0]
            assert "<svg" in chart and chart.count('class="bar"') == 12  # 6 districts × 2 options
            assert "style=" not in html.split('id="comparison"')[1]  # the CSP allows no inline style
            city = run.result["options"][0]["city"]["composite_half_width"]
            assert f"±{city:.2f}" in html
        assert ('name="options-0-completes"' in client.get(f"/rounds/{draft_round.id}/design").get_data(as_text=True)) \
            == (role == "coordinator")  # only a coordinator gets the form


def test_a_failed_run_shows_its_reason_and_another_rounds_run_is_not_found(as_role, draft_round, db, redis):  # noqa: F811
    run = design_evaluation.request(draft_round.id, [DesignOption("a", "equal", 60)], replicates=100, seed=1, by=None)
    design_evaluation.mark_failed(run.id, "ValueError: something broke")
    coordinator = as_role("coordinator")
    html = coordinator.get(f"/rounds/{draft_round.id}/design/{run.id}").get_data(as_text=True)
    assert "ValueError: something broke" in html
    other = rounds.copy_round(draft_round.id, "另一轮")
    assert coordinator.get(f"/rounds/{other.id}/design/{run.id}").status_code == 404
    assert coordinator.get(f"/rounds/{draft_round.id}/design/{run.id + 1}").status_code == 404


def test_callers_and_others_are_refused(as_role, draft_round, db):  # noqa: F811
    caller = as_role("caller")
    assert caller.get(f"/rounds/{draft_round.id}/design").status_code == 403
    assert caller.post(f"/rounds/{draft_round.id}/design", data=post_form({"method": "equal",
                                                                           "completes": 60})).status_code == 403
    assert as_role("leader").post(f"/rounds/{draft_round.id}/design",
                                  data=post_form({"method": "equal", "completes": 60})).status_code == 403
    assert as_role("department").get(f"/rounds/{draft_round.id}/design").status_code == 403
    assert runs(db) == 0
