"""Words for the domain's codes, translated for the reader (templates get them as globals)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..i18n import N_
from ..issues.workflow import STATUS_LABELS as ISSUE_STATUS_LABELS

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "coordinator": _l("Survey coordinator"),
    "supervisor": _l("Supervisor"),
    "caller": _l("Caller"),
    "verifier": _l("Verifier"),
    "department": _l("Department liaison"),
    "leader": _l("Leader"),
}
FIELD_LABELS = {
    "phone": _l("Phone number"), "region": _l("District or county"), "urban": _l("Urban/rural"),
    "sex": _l("Sex"), "age": _l("Age"), "age_band": _l("Age band"),
}
VARIABLE_LABELS = {"region": _l("District or county"), "urban": _l("Urban/rural"), "sex": _l("Sex"),
                   "age_band": _l("Age band")}
METHOD_LABELS = {
    "proportional": _l("Proportional to population"), "equal": _l("Equal per stratum"),
    "neyman": _l("Neyman (by prior variability)"), "power": _l("Power allocation"),
    "precision": _l("Precision target per stratum"),
}
STATUS_LABELS = {
    "draft": _l("draft"), "sampling": _l("drawing the sample"), "sampled": _l("sampled"),
    "fielding": _l("in the field"),
    "closed": _l("closed"), "reported": _l("reported"), "pending": _l("waiting"), "running": _l("running"),
    "done": _l("done"), "rejected": _l("rejected: nothing imported"), "failed": _l("failed"),
    "empty": _l("empty"), "importing": _l("importing"), "ready": _l("ready"), "frozen": _l("frozen"),
}
QUESTION_TYPE_LABELS = {
    "scale": _l("Satisfaction scale"), "single": _l("Single choice"), "multiple": _l("Multiple choice"),
    "text": _l("Open text"), "number": _l("Number"),
}

# Verification outcomes and selection rules (marked N_: templates translate them with _()).
OUTCOME_LABELS = {
    "confirmed": N_("confirmed"), "discrepancy": N_("discrepancy"), "falsified": N_("falsified"),
    "unreachable": N_("unreachable"), "not_fixed": N_("not fixed"),
}
RULE_LABELS = {"floor": N_("random floor"), "risk": N_("risk-targeted"), "doubtful": N_("doubtful"),
               "share": N_("share of rectified"), "cluster": N_("largest cluster")}

SIGNAL_LABELS = {
    "short_interview": N_("too short"), "overlap": N_("overlapping"), "no_dial": N_("no matching dial"),
    "fast_questions": N_("fast questions"), "fast_pace": N_("fast pace"), "straight_lining": N_("straight-lining"),
    "short_gap": N_("short gaps"), "many_dont_know": N_("many don't know"), "item_nonresponse": N_("item nonresponse"),
    "coached_answers": N_("coached answers"), "caller_fast_pace": N_("caller's pace"),
    "answer_distribution": N_("answers unlike peers"), "refusal_rate": N_("refusal rate"),
    "ineligible_rate": N_("ineligible rate"),
}


def label_globals() -> dict:
    return {"role_labels": ROLE_LABELS, "field_labels": FIELD_LABELS, "variable_labels": VARIABLE_LABELS,
            "method_labels": METHOD_LABELS, "outcome_labels": OUTCOME_LABELS, "rule_labels": RULE_LABELS,
            "signal_labels": SIGNAL_LABELS, "issue_status_labels": ISSUE_STATUS_LABELS,
            "status_labels": STATUS_LABELS, "type_labels": QUESTION_TYPE_LABELS}
