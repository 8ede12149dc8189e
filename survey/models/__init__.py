"""Tables only: state and invariants. No queries, no queue, no ``current_app`` here."""

from .fieldwork import INTERVIEW_STATUSES, Answer, CallAttempt, Complaint, Interview, QualitySignal
from .people import LOCALES, ROLES, AuditEvent, LoginFailure, User
from .questionnaires import QUESTIONNAIRE_STATUSES, Question, Questionnaire, QuestionOption
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
    "INTERVIEW_STATUSES",
    "LOCALES",
    "QUESTIONNAIRE_STATUSES",
    "REGION_LEVELS",
    "ROLES",
    "ROUND_STATUSES",
    "Answer",
    "AuditEvent",
    "CallAttempt",
    "Case",
    "Complaint",
    "Department",
    "Frame",
    "FrameImport",
    "FrameUnit",
    "Indicator",
    "Interview",
    "LoginFailure",
    "QualitySignal",
    "Question",
    "QuestionOption",
    "Questionnaire",
    "Region",
    "Round",
    "Scale",
    "ScaleOption",
    "Stratum",
    "User",
]
