"""Writes own_sample.csv: a small stratified satisfaction sample for the R reference (run once).

Strata A–F are ordinary; G has two respondents and L one (a lonely stratum). Weights vary within
strata (as after a nonresponse adjustment); scores are 100/80/60/40/20 with "don't know" as NA.
"""

import csv
from pathlib import Path

import numpy as np

rng = np.random.default_rng(20261122)
rows = []
strata = {"A": (60, 40_000), "B": (45, 30_000), "C": (30, 12_000), "D": (25, 9_000), "E": (20, 5_000),
          "F": (15, 2_000), "G": (2, 300), "L": (1, 150)}
for stratum, (n, population) in strata.items():
    for _ in range(n):
        weight = population / n * rng.uniform(0.7, 1.3)
        district = rng.choice(["东城", "西城", "南区", "北区"])
        sex = rng.choice(["M", "F"])
        band = rng.choice(["18-44", "45+"], p=[0.55, 0.45])
        scores = []
        for base in (0.55, 0.45, 0.35):
            if rng.random() < 0.08:
                scores.append("NA")
                continue
            u = rng.random() + (0.1 if district == "东城" else 0.0)
            scores.append(100 if u < base else 80 if u < base + 0.25 else 60 if u < base + 0.4 else
                          40 if u < base + 0.5 else 20)
        rows.append([stratum, population, f"{weight:.6f}", district, sex, band, *scores])

path = Path(__file__).with_name("own_sample.csv")
with open(path, "w", newline="", encoding="utf-8") as fh:
    writer = csv.writer(fh)
    writer.writerow(["stratum", "N", "w", "district", "sex", "band", "q1", "q2", "q3"])
    writer.writerows(rows)
print(f"{len(rows)} rows → {path}")
