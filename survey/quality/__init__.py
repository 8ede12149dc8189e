"""Quality control (pure: NumPy and SciPy only): signals, verification picks and scores.

- :mod:`.records` — what the service builds (interviews, callers, issues) and gets back (reasons, picks);
- :mod:`.signals` — per-interview signals and the risk score; :mod:`.peers` — per-caller signals;
- :mod:`.selection` — the random floor and risk-targeted interviews, spot-check issues;
- :mod:`.scores` — callers' quality scores and departments' scorecards.
"""

from .records import CallerRecord, InterviewRecord, IssueRecord, Pick, Reason
from .scores import CallerQuality, DepartmentScore, IssueOutcome, Rate, caller_quality, department_scorecard
from .selection import floor_count, select_interviews, select_issues
from .signals import WEIGHTS, Assessment, assess, interview_signals, risk_score
from .thresholds import THRESHOLDS, Thresholds

__all__ = [
    "THRESHOLDS", "WEIGHTS", "Assessment", "CallerQuality", "CallerRecord", "DepartmentScore", "InterviewRecord",
    "IssueOutcome", "IssueRecord", "Pick", "Rate", "Reason", "Thresholds", "assess", "caller_quality",
    "department_scorecard", "floor_count", "interview_signals", "risk_score", "select_interviews", "select_issues",
]
