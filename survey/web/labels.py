"""Words for the domain's codes, translated for the reader (templates get them as globals)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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


def label_globals() -> dict:
    return {"role_labels": ROLE_LABELS, "field_labels": FIELD_LABELS, "variable_labels": VARIABLE_LABELS,
            "method_labels": METHOD_LABELS, "status_labels": STATUS_LABELS, "type_labels": QUESTION_TYPE_LABELS}
