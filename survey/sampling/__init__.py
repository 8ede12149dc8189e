"""Sampling (pure): allocation, sample sizes, stratified selection, weights, frame rows.

No Flask, no database, no Redis: arrays and numbers in, arrays and numbers out.
"""

from .allocation import (
    METHODS,
    allocate,
    issued_size,
    margin_of_error,
    precision_allocation,
    sample_size,
    split_replicates,
    z_value,
)
from .selection import Selection, base_weight, select

__all__ = [
    "METHODS", "Selection", "allocate", "base_weight", "issued_size", "margin_of_error", "precision_allocation",
    "sample_size", "select", "split_replicates", "z_value",
]
