"""Synthetic frames of the demo city, written as CSV for the import path (the same checks as a real file)."""

from __future__ import annotations

import csv
from pathlib import Path

from ..simulation.frame import HEADER, Unit, synthetic_frame
from .demo import read_seed

# The synthetic file's columns for the import's mapping (field → column).
SYNTHETIC_MAPPING = {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"}


def demo_units() -> list[Unit]:
    return [Unit(u["code"], u["name_zh"], u["population"], u["urban_share"]) for u in read_seed()["units"]]


def write_synthetic_csv(path: str | Path, *, people: int, seed: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(synthetic_frame(demo_units(), people, seed=seed))
