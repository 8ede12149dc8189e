"""The benchmark harness: a table for people, JSON in the agreed shape for machines."""

from __future__ import annotations

import json

import pytest

from benchmarks import SUITES
from benchmarks.__main__ import main
from benchmarks.harness import Result, table, write_json

FIELDS = {"name", "metric", "value", "unit", "baseline", "ratio", "target", "meets_target"}


def test_ratio_and_target_follow_the_direction_of_better():
    faster = Result("x", "rows/s", 150.0, "rows/s", baseline=100.0, target=1.2)
    slower_wait = Result("x", "wait", 2.0, "s", baseline=1.0, target=0.5, higher_is_better=False)
    assert faster.ratio == 1.5 and faster.meets_target is True
    assert slower_wait.ratio == 2.0 and slower_wait.meets_target is False
    assert Result("x", "m", 1.0, "s").meets_target is None


def test_json_has_the_agreed_fields(tmp_path):
    path = tmp_path / "out.json"
    write_json([Result("x", "rows/s", 150.0, "rows/s", baseline=100.0, target=1.2)], path)
    (entry,) = json.loads(path.read_text())["benchmarks"]
    assert set(entry) >= FIELDS and entry["ratio"] == 1.5 and entry["meets_target"] is True


def test_table_lists_every_result_with_its_ratio():
    text = table([Result("platform", "jobs/s", 90.0, "jobs/s", baseline=100.0, target=0.7)])
    assert "platform" in text and "0.9" in text and "yes" in text


def test_unknown_benchmark_names_are_refused_with_the_known_ones(capsys):
    with pytest.raises(SystemExit):
        main(["no-such-benchmark"])
    assert "platform" in capsys.readouterr().err


def test_every_registered_suite_has_a_run_function():
    import importlib

    for module in SUITES.values():
        assert callable(importlib.import_module(module).run)
