"""Map domain errors and HTTP errors to responses once, for every blueprint.

JSON callers (``/api``, ``/jobs``, ``Accept: application/json``) get JSON; people get a page.
Users never see a stack trace; the server log does.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, ValidationError
from ..extensions import db
from ..i18n import N_


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/jobs/", "/health")) or request.is_json:
        return True  # a client that sends JSON reads JSON
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


# What people read for each status: short, friendly, and free of internals.
FRIENDLY = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Please log in"), _l("Log in to see this page.")),
    403: (_l("Not allowed"), _l("Your role does not give access to this page.")),
    404: (_l("Not found"), _l("There is no such page. It may have moved, or the address is mistyped.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    409: (_l("Not possible now"), _l("This cannot be done in the current state.")),
    410: (_l("Erased"), _l("This was erased on purpose and cannot be shown any more.")),
    413: (_l("Too large"), _l("What was sent is too large.")),
    422: (_l("Check the input"), _l("Some values are not acceptable.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side; it has been logged.")),
    503: (_l("Unavailable"), _l("A service the platform needs is not reachable. Try again shortly.")),
}


def _friendly(status: int) -> tuple[str, str]:
    title, message = FRIENDLY.get(status, FRIENDLY[500 if status >= 500 else 400])
    return str(title), str(message)


def _respond(status: int, title: str, message: str, payload: dict | None = None) -> tuple[Response | str, int]:
    if wants_json():
        from flask import jsonify

        return jsonify(payload or {"error": title, "message": message}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        title, _ = _friendly(exc.status_code)
        return _respond(exc.status_code, title, exc.localised(gettext), exc.to_dict())

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _respond(400, str(_l("Form expired")),
                        str(_l("The form has expired or was not sent from this site. Reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        title, message = _friendly(status)
        if status == 400 and request.is_json and request.get_json(silent=True) is None:
            # A body that is not JSON at all: the body is the field at fault.
            return _respond(status, title, message, {"error": title, "message": message,
                                                     "details": [{"field": "body", "message": "not valid JSON"}]})
        return _respond(status, title, message)

    @app.before_request
    def _no_nul_characters():
        """Text cannot hold NUL (PostgreSQL refuses it): refuse it on the way in, naming the field."""
        fields = [name for name, values in request.form.lists() if any("\x00" in v for v in values)]
        fields += [name for name, values in request.args.lists() if any("\x00" in v for v in values)]
        if request.is_json:
            fields += _nul_paths(request.get_json(silent=True), "")
        if fields:
            raise ValidationError(N_("%(field)s contains a NUL character, which text cannot hold"),
                                  params={"field": fields[0]},
                                  details=[{"field": f, "message": "NUL character"} for f in fields])

    @app.errorhandler(DataError)
    def _data(exc: DataError):
        """A value the database cannot hold that no check caught (too long for its column, out of range):
        the user's input, refused — logged as a warning so the missing check gets added."""
        db.session.rollback()
        app.logger.warning("value refused by the database on %s %s: %s", request.method, request.path,
                           str(exc.orig).splitlines()[0] if exc.orig else exc)
        return _respond(422, str(_l("Check the input")),
                        str(_l("A value is longer than its field allows, or not of its kind. Shorten it and "
                               "try again.")))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()  # the error page must not meet a transaction the failure left unusable
        return _respond(500, *_friendly(500))


def _nul_paths(value: Any, path: str) -> list[str]:
    """JSON paths (``answers.fix``) of the strings holding a NUL character."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nul_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}[{i}]")]
    return []
