"""Who may use which endpoint: one table, enforced in one place, checked by the matrix test.

Every endpoint must have an entry. An endpoint without one is refused (403) at run time and fails
``tests/web/test_authorization_matrix.py``, so each new page declares its rule when it is added.
Row-level rules (a caller sees only their own cases, a department only its own issues) are
written down here in ``rows`` and enforced by the services that load those rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, abort, current_app, request
from flask_login import current_user

from ..extensions import login_manager
from ..models import ROLES

PUBLIC = "public"  # anyone, logged in or not
SIGNED_IN = "signed_in"  # any active user


@dataclass(frozen=True)
class Rule:
    who: frozenset[str] | str
    rows: str = ""  # the row-level rule, for people and for the matrix report

    def allows(self, role: str | None) -> bool:
        if self.who == PUBLIC:
            return True
        if role is None:
            return False
        return self.who == SIGNED_IN or role in self.who


def roles(*names: str, rows: str = "") -> Rule:
    unknown = set(names) - set(ROLES)
    assert not unknown, f"unknown roles in the policy: {unknown}"
    return Rule(frozenset(names), rows)


# Roles that may see clear phone numbers in exports (every such export is audited).
PHONE_VIEWERS = frozenset({"admin", "coordinator"})

ANYONE = Rule(PUBLIC)
REPORT_ROWS = "figures and counts only: no personal data (digit runs in complaint texts masked)"
SIMULATED_ROWS = "simulated figures of a synthetic population only: no personal data"
DEPARTMENT_ROWS = "a department liaison sees and acts on its own department's issues only"
SIGNED = Rule(SIGNED_IN)

POLICY: dict[str, Rule] = {
    "static": ANYONE,
    "main.health": ANYONE,
    "auth.login": ANYONE,
    "auth.language": ANYONE,
    "auth.logout": SIGNED,
    "main.home": SIGNED,
    "jobs.status": SIGNED,
    "home.coordinator": roles("coordinator"),
    "home.supervisor": roles("supervisor", "coordinator"),
    "home.supervisor_live": roles("supervisor", "coordinator"),
    "home.caller": roles("caller", rows="only the caller's own cases"),
    "home.verifier": roles("verifier"),
    "home.department": roles("department", rows="only the liaison's own department's issues"),
    "home.leader": roles("leader"),
    "admin.index": roles("admin"),
    "admin.load_demo": roles("admin"),
    "admin.queue_check": roles("admin"),
    "admin.simulate_demo_rounds": roles("admin"),
    "admin.users": roles("admin"),
    "admin.failed_jobs": roles("admin"),
    "admin.retry_job": roles("admin"),
    "admin.user_create": roles("admin"),
    "admin.user_edit": roles("admin"),
    "admin.user_password": roles("admin"),
    "admin.retention_page": roles("admin", rows="counts only: no number is shown"),
    "admin.retention_erase": roles("admin", rows="erases the numbers past their retention period; audited"),
    "admin.audit_log": roles("admin"),
    "admin.audit_csv": roles("admin", rows="the export is audited"),
    "admin.audit_xlsx": roles("admin", rows="the export is audited"),
    "frames.index": roles("coordinator"),
    "frames.upload": roles("coordinator"),
    "frames.mapping": roles("coordinator"),
    "frames.import_status": roles("coordinator"),
    "frames.import_errors": roles("coordinator"),
    "rounds.index": roles("coordinator"),
    "rounds.create": roles("coordinator"),
    "rounds.preview": roles("coordinator"),
    "rounds.detail": roles("coordinator"),
    "rounds.draw": roles("coordinator"),
    "rounds.export": roles("coordinator", rows="clear numbers only for PHONE_VIEWERS, audited"),
    "rounds.set_questionnaire": roles("coordinator"),
    "rounds.change_status": roles("coordinator"),
    "rounds.copy": roles("coordinator"),
    "rounds.call_rules": roles("coordinator"),
    "cati.next_case": roles("caller", rows="a caller holds one case at a time"),
    "cati.case": roles("caller", rows="only the case the caller holds"),
    "cati.phone": roles("caller", rows="only the case the caller holds; audited"),
    "cati.touch": roles("caller", rows="only the case the caller holds"),
    "cati.outcome": roles("caller", rows="only the case the caller holds"),
    "cati.interview": roles("caller", rows="only the case the caller holds"),
    "cati.submit": roles("caller", rows="only the case the caller holds"),
    "questionnaires.index": roles("coordinator"),
    "questionnaires.create": roles("coordinator"),
    "questionnaires.import_file": roles("coordinator"),
    "questionnaires.detail": roles("coordinator"),
    "questionnaires.question_new": roles("coordinator"),
    "questionnaires.question": roles("coordinator"),
    "questionnaires.question_action": roles("coordinator"),
    "questionnaires.freeze": roles("coordinator"),
    "questionnaires.new_version": roles("coordinator"),
    "questionnaires.delete": roles("coordinator"),
    "questionnaires.export": roles("coordinator"),
    "questionnaires.preview": roles("coordinator", "supervisor", "caller"),
    "questionnaires.compare": roles("coordinator", "leader"),
    "questionnaires.scales": roles("coordinator"),
    "issues.index": roles("coordinator", "supervisor", "department", rows=DEPARTMENT_ROWS),
    "issues.detail": roles("coordinator", "supervisor", "department", rows=DEPARTMENT_ROWS),
    "issues.move": roles("coordinator", "department", rows=DEPARTMENT_ROWS + "; the transition table says who"),
    "issues.attachment": roles("coordinator", "supervisor", "department", "verifier", rows=DEPARTMENT_ROWS),
    "issues.clusters": roles("coordinator", "supervisor", "department", rows=DEPARTMENT_ROWS),
    "issues.rules": roles("coordinator"),
    "issues.rule_delete": roles("coordinator"),
    "issues.scorecard": roles("coordinator", "supervisor", "leader", "department"),
    "verification.index": roles("verifier", "supervisor", "coordinator"),
    "verification.task": roles("verifier", "supervisor", "coordinator"),
    "verification.phone": roles("verifier", rows="open tasks only; audited"),
    "verification.record": roles("verifier"),
    "verification.select_for": roles("coordinator", "supervisor"),
    "reports.index": roles("leader", "coordinator", "supervisor", "department"),
    "reports.round_report": roles("leader", "coordinator", "supervisor", "department", rows=REPORT_ROWS),
    "reports.build": roles("coordinator"),
    "reports.xlsx": roles("leader", "coordinator", "supervisor", "department", rows=REPORT_ROWS),
    "reports.csv": roles("leader", "coordinator", "supervisor", "department", rows=REPORT_ROWS),
    "reports.pdf": roles("leader", "coordinator", "supervisor", "department", rows=REPORT_ROWS),
    "callbacks.index": roles("caller"),
    "callbacks.detail": roles("caller", rows="the number masked"),
    "callbacks.phone_clear": roles("caller", rows="open call-backs only; audited"),
    "callbacks.record_callback": roles("caller"),
    "questionnaires.indicators": roles("coordinator"),
    "design.evaluate": roles("coordinator", "supervisor", "leader", rows=SIMULATED_ROWS),
    "design.run": roles("coordinator", "supervisor", "leader", rows=SIMULATED_ROWS),
    "design.start": roles("coordinator"),
    "simulation.start": roles("coordinator"),
}


def rule_for(endpoint: str | None) -> Rule | None:
    return POLICY.get(endpoint or "")


def init_policy(app: Flask) -> None:
    @app.before_request
    def _enforce():
        endpoint = request.endpoint
        if endpoint is None:  # no route matched: the 404 handler answers
            return None
        rule = rule_for(endpoint)
        if rule is None:
            current_app.logger.error("endpoint %s has no entry in the policy table: refused", endpoint)
            abort(403)
        if rule.who == PUBLIC:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not rule.allows(current_user.role):
            abort(403)
        return None
