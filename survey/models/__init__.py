"""Tables only: state and invariants. No queries, no queue, no ``current_app`` here."""

from .people import LOCALES, ROLES, AuditEvent, LoginFailure, User
from .reference import REGION_LEVELS, Department, Indicator, Region, Scale, ScaleOption

__all__ = [
    "LOCALES", "REGION_LEVELS", "ROLES", "AuditEvent", "Department", "Indicator", "LoginFailure", "Region",
    "Scale", "ScaleOption", "User",
]
