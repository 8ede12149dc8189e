"""Speed and memory figures, each as a ratio to a baseline measured in the same run.

    python -m benchmarks [NAME ...] [--quick] [--json FILE]

Each module in :data:`SUITES` exposes ``run(quick: bool) -> list[Result]``. Later features add
``sampling``, ``estimation``, ``fieldwork``, ``reports``, ``simulation`` and ``soak``.
"""

SUITES: dict[str, str] = {
    "platform": "benchmarks.platform",
    "sampling": "benchmarks.sampling",
    "estimation": "benchmarks.estimation",
    "fieldwork": "benchmarks.fieldwork",
    "pipeline": "benchmarks.pipeline",
    "reports": "benchmarks.reports",
    "simulation": "benchmarks.simulation",
    "simulated-round": "benchmarks.simulated_round",
    "soak": "benchmarks.soak",
}
