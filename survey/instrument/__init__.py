"""Questionnaires as documents (pure): the model, its checks, version diffs, JSON and XLSX forms."""

from .checks import Problem, check
from .diff import Change, comparability, diff
from .document import CHOICE_TYPES, QUESTION_TYPES, Condition, Instrument, Option, Question, from_dict, to_dict
from .workbook import from_xlsx, to_xlsx

__all__ = [
    "CHOICE_TYPES", "QUESTION_TYPES", "Change", "Condition", "Instrument", "Option", "Problem", "Question",
    "check", "comparability", "diff", "from_dict", "from_xlsx", "to_dict", "to_xlsx",
]
