"""Tables only: state and invariants. No queries, no queue, no ``current_app`` here."""

from .reference import REGION_LEVELS, Department, Indicator, Region, Scale, ScaleOption

__all__ = ["REGION_LEVELS", "Department", "Indicator", "Region", "Scale", "ScaleOption"]
