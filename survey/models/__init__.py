"""Tables only: state and invariants. No queries, no queue, no ``current_app`` here."""

from .people import LOCALES, ROLES, AuditEvent, LoginFailure, User
from .reference import REGION_LEVELS, Department, Indicator, Region, Scale, ScaleOption
from .sampling import (
    FRAME_STATUSES,
    IMPORT_STATUSES,
    ROUND_STATUSES,
    Case,
    Frame,
    FrameImport,
    FrameUnit,
    Round,
    Stratum,
)

__all__ = [
    "FRAME_STATUSES",
    "IMPORT_STATUSES",
    "LOCALES",
    "REGION_LEVELS",
    "ROLES",
    "ROUND_STATUSES",
    "AuditEvent",
    "Case",
    "Department",
    "Frame",
    "FrameImport",
    "FrameUnit",
    "Indicator",
    "LoginFailure",
    "Region",
    "Round",
    "Scale",
    "ScaleOption",
    "Stratum",
    "User",
]
