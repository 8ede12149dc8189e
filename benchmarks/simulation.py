"""Design evaluation: 1,000 simulated rounds of the demo 10,400 design (500 per district + proportional).

Measured: :func:`survey.simulation.evaluation.evaluate` — draw every replicate's answers from the population
model, estimate 12 scores and the composite for the city and 6 districts with their CIs, summarise coverage.
Baseline, in the same run: one replicate drawn the same way and estimated through ``Design`` + ``estimate_round``
(what a report does), × the number of replicates — the naive cost of the same evaluation.
Target (issue 11): 1,000 replicates in ≤ 20 s. ``quick`` runs 200 and scales to 1,000.
"""

from __future__ import annotations

from survey.simulation.evaluation import DesignOption, draw_answers, evaluate, stats_estimates
from survey.simulation.population import DEMO_UNITS, INDICATORS, demo_population

from .harness import Result, best_of

REPLICATES = 1_000
DEMO = DesignOption("demo", "proportional", 10_400, base=500)


def run(quick: bool) -> list[Result]:
    population = demo_population(7)
    replicates = 200 if quick else REPLICATES
    outcome: list = []
    seconds = best_of(1, lambda: outcome.append(evaluate(population, [DEMO], replicates=replicates)[0]))
    evaluation = outcome[0]
    allocation = list(evaluation.allocation.values())
    populations = [u.population for u in DEMO_UNITS]
    weights = [1 / len(INDICATORS)] * len(INDICATORS)

    def one_replicate() -> None:
        stats_estimates(draw_answers(population, allocation, 1, seed=2), populations, weights)

    naive = best_of(3, one_replicate) * REPLICATES
    scale = REPLICATES / replicates
    note = f"baseline: one replicate through survey.stats × {REPLICATES:,}"
    if quick:
        note += f"; measured {replicates} replicates, scaled to {REPLICATES:,}"
    return [
        Result("simulation", f"{REPLICATES:,} replicates, demo 10,400 design", seconds * scale, "s", baseline=naive,
               target=20.0, higher_is_better=False, absolute=True, note=note),
        Result("simulation", "city composite coverage (95% CIs)", evaluation.city.composite_coverage, "share",
               note=f"over {replicates} replicates; Monte Carlo SE {evaluation.coverage_mc_se:.4f}"),
    ]
