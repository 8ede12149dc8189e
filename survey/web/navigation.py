"""Role-aware navigation, derived from the policy table: a link shows only where it would be allowed."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .forms import LanguageForm
from .labels import label_globals
from .policy import rule_for

NAV = (
    ("admin.index", _l("System")),
    ("admin.users", _l("Users")),
    ("admin.audit_log", _l("Audit log")),
    ("home.coordinator", _l("Overview")),
    ("frames.index", _l("Frames")),
    ("questionnaires.index", _l("Questionnaires")),
    ("rounds.index", _l("Rounds")),
    ("home.supervisor", _l("Fieldwork")),
    ("home.caller", _l("My calls")),
    ("callbacks.index", _l("Call-backs")),
    ("issues.index", _l("Issues")),
    ("verification.index", _l("Verification")),
    ("reports.index", _l("Reports")),
)


def nav_items() -> list[tuple[str, object]]:
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label in NAV if rule_for(endpoint).allows(current_user.role)]


def init_navigation(app: Flask) -> None:
    @app.context_processor
    def _navigation():
        return {
            "nav_items": nav_items(),
            "get_locale": get_locale,
            **label_globals(),
            # formdata=None: this form is only drawn here; reading the request would fail on a bad JSON body
            "language_form": LanguageForm(formdata=None,
                                          next=request.full_path if request.query_string else request.path),
        }
