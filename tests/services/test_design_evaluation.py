"""Design evaluation of a round: its default options, the form's problems by row and field, a run stored as a job
would store it, and a failure recorded on the run."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.errors import ValidationError
from survey.models import Region, SimulationRun
from survey.services import design_evaluation, frames, questionnaires, rounds
from survey.services.demo import load_demo
from survey.services.synthetic import SYNTHETIC_MAPPING as MAPPING
from survey.services.synthetic import write_synthetic_csv
from survey.simulation.evaluation import DesignOption

from ..conftest import make_user

DESIGN = {"strata": ["region", "urban"], "target": 120, "base": 3, "completion_rate": 0.3}


@pytest.fixture
def draft_round(db, tmp_path):
    """A draft round of the demo city over a small synthetic frame, with the demo questionnaire."""
    load_demo()
    frame = frames.create_frame("synthetic 800")
    path = tmp_path / "f.csv"
    write_synthetic_csv(path, people=800, seed=5)
    assert frames.import_file(frame.id, path, MAPPING).status == "done"
    return rounds.create_round("设计评估轮", frame.id, DESIGN,
                               questionnaire_id=questionnaires.list_questionnaires()[0].id)


def form(*rows: dict, **settings) -> dict:
    data = {"replicates": "100", "seed": "7", **{k: str(v) for k, v in settings.items()}}
    for i, row in enumerate(rows):
        data.update({f"options-{i}-{k}": str(v) for k, v in {"include": "1", **row}.items()})
    return data


def problem_fields(error: ValidationError) -> list[str]:
    return [d["field"] for d in error.details]


def test_the_population_is_the_citys_districts_and_the_questionnaires_indicators(draft_round, db):
    population = design_evaluation.population_for(draft_round, seed=3)
    districts = db.session.scalars(select(Region).where(Region.level != "city").order_by(Region.position)).all()
    assert [(u.code, u.population, u.urban_share) for u in population.units] == \
        [(r.code, r.population, r.urban_share) for r in districts]
    instrument = questionnaires.document(draft_round.questionnaire)
    assert list(population.indicators) == [q.indicator for q in instrument.questions if q.type == "scale"]
    assert population.seed == 3 and len(population.indicators) == 12


def test_the_defaults_are_the_rounds_own_design_then_proportional_equal_and_neyman(draft_round):
    options = design_evaluation.default_options(draft_round)
    # Region × urban/rural with a base of 3 per stratum: 6 per district, as the round's draw would give.
    assert options[0] == DesignOption("This round's design", "proportional", 120, base=6)
    assert [(o.method, o.completes, o.base) for o in options[1:]] == \
        [("proportional", 120, 0), ("equal", 120, 0), ("neyman", 120, 0)]


def test_a_default_the_rounds_design_already_is_appears_once(draft_round, db):
    draft_round.design = {**draft_round.design, "method": "equal", "base": 0, "strata": ["region"]}
    db.session.commit()
    options = design_evaluation.default_options(draft_round)
    assert [o.method for o in options] == ["equal", "proportional", "neyman"]
    assert options[0].label == "This round's design"


@pytest.mark.parametrize(("row", "field"), [
    ({"method": "equal", "completes": "many"}, "options-1-completes"),
    ({"method": "equal", "completes": "11"}, "options-1-completes"),
    ({"method": "equal", "completes": "12.5"}, "options-1-completes"),
    ({"method": "random", "completes": "200"}, "options-1-method"),
    ({"method": "power", "completes": "200", "power": "1.5"}, "options-1-power"),
    ({"method": "power", "completes": "200", "power": "-0.1"}, "options-1-power"),
    ({"method": "equal", "completes": "200", "base": "x"}, "options-1-base"),
    ({"method": "equal", "completes": ""}, "options-1-completes"),
    ({"method": "equal", "completes": "200", "label": "A"}, "options-1-label"),  # the same label twice
])
def test_a_bad_row_names_its_row_and_field(row, field):
    with pytest.raises(ValidationError) as caught:
        design_evaluation.parse_options(form({"label": "A", "method": "proportional", "completes": "200"}, row))
    assert problem_fields(caught.value) == [field]


def test_no_option_or_more_than_six_are_refused_and_unticked_rows_are_ignored():
    with pytest.raises(ValidationError) as caught:
        design_evaluation.parse_options({"options-0-method": "equal", "options-0-completes": "100"})
    assert problem_fields(caught.value) == ["options"]
    seven = form(*[{"label": f"o{i}", "method": "equal", "completes": 100} for i in range(7)])
    with pytest.raises(ValidationError) as caught:
        design_evaluation.parse_options(seven)
    assert problem_fields(caught.value) == ["options"]
    data = form({"label": "a", "method": "equal", "completes": 100}, {"label": "b", "method": "bogus",
                                                                       "completes": "x"})
    data["options-1-include"] = ""
    assert design_evaluation.parse_options(data) == [DesignOption("a", "equal", 100)]


def test_replicates_and_seed_are_checked_with_the_options_in_one_error():
    with pytest.raises(ValidationError) as caught:
        design_evaluation.parse_form(form({"method": "equal", "completes": "abc"}, replicates="99", seed="s"))
    assert problem_fields(caught.value) == ["replicates", "seed", "options-0-completes"]
    with pytest.raises(ValidationError) as caught:
        design_evaluation.parse_settings({"replicates": "5001"})
    assert problem_fields(caught.value) == ["replicates"]
    assert design_evaluation.parse_settings({}) == (1000, 1)


def test_an_option_leaving_a_district_fewer_than_two_completes_is_refused_on_its_row(draft_round):
    data = form({"method": "equal", "completes": 60}, {"method": "proportional", "completes": 12})
    with pytest.raises(ValidationError) as caught:
        design_evaluation.parse_form(data, round_=draft_round)
    assert problem_fields(caught.value) == ["options-1-completes"]
    assert "fewer than 2" in caught.value.details[0]["message"]
    assert design_evaluation.parse_form(form({"method": "equal", "completes": 12}), round_=draft_round)[0] == \
        [DesignOption("Option 1", "equal", 12)]


def test_a_run_stores_each_options_evaluation(draft_round, db, redis):
    options = [DesignOption("比例", "proportional", 120), DesignOption("等额", "equal", 120, base=2)]
    coordinator = make_user("coordinator")
    run = design_evaluation.request(draft_round.id, options, replicates=100, seed=7, by=coordinator)
    assert run.status == "queued" and run.job_id == f"design-{run.id}" and run.created_by_id == coordinator.id
    assert run.settings["replicates"] == 100 and run.settings["options"][1]["base"] == 2
    from survey import queue
    assert queue.fetch_job(run.job_id).func_name == "workers.design.evaluate"
    steps = []
    design_evaluation.run(run.id, progress=lambda done, total, message="": steps.append((done, total)))
    run = design_evaluation.get(run.id)
    assert run.status == "done" and run.finished_at is not None and steps[-1] == (2, 2)
    result = run.result
    assert result["districts"]["chengzhong"] == "城中区" and len(result["districts"]) == 6
    assert [o["option"]["label"] for o in result["options"]] == ["比例", "等额"]
    for option, evaluated in zip(options, result["options"], strict=True):
        assert sum(evaluated["allocation"].values()) == option.completes
        assert min(evaluated["allocation"].values()) >= 2
        assert evaluated["replicates"] == 100
        coverages = [evaluated["city"]["composite_coverage"],
                     *[d["composite_coverage"] for d in evaluated["districts"]]]
        assert all(0 <= c <= 1 for c in coverages)
        assert evaluated["city"]["composite_half_width"] > 0 and evaluated["dials"] > option.completes
    assert result["options"][1]["allocation"] == {code: 20 for code in result["districts"]}  # equal: 120 / 6
    assert design_evaluation.latest(draft_round.id).id == run.id


def test_a_run_that_fails_is_marked_failed_with_the_reason(draft_round, db, redis):
    run = design_evaluation.request(draft_round.id, [DesignOption("a", "equal", 60)], replicates=100, seed=1, by=None)
    run.settings = {**run.settings, "options": [{"label": "a", "method": "equal", "completes": 6}]}  # too few
    db.session.commit()
    with pytest.raises(ValueError, match="fewer than 2"):
        design_evaluation.run(run.id)
    run = design_evaluation.get(run.id)
    assert run.status == "failed" and "fewer than 2" in run.message and run.result is None
    assert run.finished_at is not None


def test_without_a_queue_the_run_is_marked_failed_at_once(draft_round, db, monkeypatch):
    from survey import queue

    monkeypatch.setattr(queue, "enqueue", lambda *args, **kwargs: None)
    run = design_evaluation.request(draft_round.id, [DesignOption("a", "equal", 60)], replicates=100, seed=1, by=None)
    assert run.status == "failed" and "not reachable" in run.message
    assert db.session.scalar(select(func.count()).select_from(SimulationRun)) == 1


def test_the_request_refuses_an_option_the_city_cannot_take(draft_round, db, redis):
    with pytest.raises(ValidationError) as caught:
        design_evaluation.request(draft_round.id, [DesignOption("a", "equal", 60), DesignOption("b", "equal", 10)],
                                  replicates=100, seed=1, by=None)
    assert problem_fields(caught.value) == ["options-1-completes"]
    assert db.session.scalar(select(func.count()).select_from(SimulationRun)) == 0
