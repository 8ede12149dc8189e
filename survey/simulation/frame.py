"""A synthetic phone frame of a city (pure: NumPy + Faker, deterministic for a seed).

Regions in proportion to population, urban/rural by each region's urban share, sex 50/50, ages
18–65 in the shape of a 2020-census-like adult population, names from Faker's zh_CN locale and
mobile numbers on the prefixes of the three carriers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from faker import Faker

# Mobile prefixes in use by China Mobile, China Unicom and China Telecom (and their shares, roughly).
PREFIXES = np.array([
    134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 172, 178, 182, 183, 184, 187, 188, 195, 197,
    198, 130, 131, 132, 145, 155, 156, 166, 175, 176, 185, 186, 196, 133, 149, 153, 173, 177, 180, 181, 189, 190,
    191, 193, 199,
])
# Adults 18–65 by single year, shaped like a 2020 census pyramid (a bulge at 30–35 and 50–56).
_AGES = np.arange(18, 66)
_AGE_WEIGHTS = np.array([1.00 if a < 25 else 1.10 if a < 30 else 1.35 if a < 36 else 1.15 if a < 45
                         else 1.20 if a < 50 else 1.40 if a < 57 else 1.10 for a in _AGES])
_AGE_P = _AGE_WEIGHTS / _AGE_WEIGHTS.sum()
HEADER = ["姓名", "手机号码", "区县", "城乡", "性别", "年龄"]


@dataclass(frozen=True)
class Unit:
    code: str
    name_zh: str
    population: int
    urban_share: float


def synthetic_frame(units: Sequence[Unit], people: int, *, seed: int, chunk: int = 100_000) -> Iterator[list[object]]:
    """Rows ``[name, mobile, region name, 城镇|农村, 男|女, age]``; the same seed gives the same rows."""
    if people < 0:
        raise ValueError("people must be ≥ 0")
    rng = np.random.default_rng(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    names = [fake.name() for _ in range(2_000)]
    weights = np.array([u.population for u in units], dtype=float)
    region_p = weights / weights.sum()
    urban = np.array([u.urban_share for u in units])
    phones = _unique_mobiles(rng, people)
    done = 0
    while done < people:
        n = min(chunk, people - done)
        region = rng.choice(len(units), size=n, p=region_p)
        is_urban = rng.random(n) < urban[region]
        female = rng.random(n) < 0.5
        age = rng.choice(_AGES, size=n, p=_AGE_P)
        name = rng.integers(0, len(names), size=n)
        for i in range(n):
            yield [names[name[i]], str(phones[done + i]), units[region[i]].name_zh, "城镇" if is_urban[i] else "农村",
                   "女" if female[i] else "男", int(age[i])]
        done += n


def _unique_mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct 11-digit mobile numbers."""
    numbers = np.empty(0, dtype=np.int64)
    while len(numbers) < n:
        want = int((n - len(numbers)) * 1.05) + 16
        prefix = rng.choice(PREFIXES, size=want).astype(np.int64)
        candidates = prefix * 10**8 + rng.integers(0, 10**8, size=want, dtype=np.int64)
        numbers = np.unique(np.concatenate([numbers, candidates]))
    # np.unique sorts: shuffle back into a random order, reproducibly
    return rng.permutation(numbers)[:n]
