"""Stratified simple random sampling without replacement, reproducible from a seed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ValidationError


@dataclass(frozen=True)
class Selection:
    """The draw: frame row indices with their stratum and release replicate (1, 2, …).

    Rows are grouped by stratum (in sorted stratum order) and, within a stratum, in the random
    order of the draw: replicate k holds the k-th block of ``replicate_size`` numbers.
    """

    rows: np.ndarray  # int64 indices into the frame
    stratum: np.ndarray  # the stratum label of each selected row
    replicate: np.ndarray  # int32, 1-based
    population: dict[Any, int]  # N_h of every stratum in the frame
    selected: dict[Any, int]  # numbers selected per stratum


def select(
    strata: Sequence[Any] | np.ndarray,
    allocation: Mapping[Any, int],
    *,
    seed: int,
    replicate_size: int | Mapping[Any, int] | None = None,
) -> Selection:
    """SRS without replacement of ``allocation[h]`` rows within each stratum h.

    ``strata`` holds one label per frame row, in frame order. Each stratum gets its own random
    generator seeded from (seed, the stratum's position among the sorted labels), so the same
    frame, allocation and seed always give the same rows, and changing one stratum's allocation
    leaves the other strata's draws as they were.
    """
    labels = np.asarray(strata)
    if labels.ndim != 1:
        raise ValidationError("strata must be one label per frame row")
    unique, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes, minlength=len(unique))
    population = {_plain(u): int(c) for u, c in zip(unique, counts, strict=True)}
    unknown = [h for h in allocation if h not in population and allocation[h] > 0]
    if unknown:
        raise ValidationError(f"allocation names strata that are not in the frame: {unknown[:5]}",
                              details=[{"field": "allocation", "message": f"unknown stratum {h!r}"} for h in unknown])
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    rows, strata_out, replicates = [], [], []
    for position, label in enumerate(unique):
        key = _plain(label)
        n_h = int(allocation.get(key, 0))
        N_h = int(counts[position])
        if n_h < 0 or n_h > N_h:
            raise ValidationError(f"stratum {key!r}: cannot select {n_h} of {N_h}",
                                  details=[{"field": "allocation", "message": f"{key!r}: {n_h} of {N_h}"}])
        if n_h == 0:
            continue
        members = order[starts[position]:starts[position + 1]]
        rng = np.random.default_rng([int(seed), position])
        chosen = members[rng.choice(N_h, size=n_h, replace=False, shuffle=True)]
        size = replicate_size.get(key, n_h) if isinstance(replicate_size, Mapping) else (replicate_size or n_h)
        if size <= 0:
            raise ValidationError(f"stratum {key!r}: replicate size must be positive")
        rows.append(chosen)
        strata_out.append(np.repeat(label, n_h))
        replicates.append((np.arange(n_h) // size + 1).astype(np.int32))
    if rows:
        all_rows = np.concatenate(rows).astype(np.int64)
        all_strata = np.concatenate(strata_out)
        all_replicates = np.concatenate(replicates)
    else:
        all_rows, all_strata, all_replicates = np.empty(0, np.int64), labels[:0], np.empty(0, np.int32)
    selected = {_plain(label): int(allocation.get(_plain(label), 0)) for label in unique}
    return Selection(all_rows, all_strata, all_replicates, population, selected)


def base_weight(population: int, released: int) -> float:
    """Base weight N_h / numbers released in h: the selection probability is released_h / N_h."""
    if released <= 0:
        raise ValidationError("no numbers released in this stratum: it has no base weight")
    return population / released


def _plain(value: Any) -> Any:
    """NumPy scalars → Python values, so labels compare and serialise as users wrote them."""
    return value.item() if isinstance(value, np.generic) else value
