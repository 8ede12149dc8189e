"""Map domain errors and HTTP errors to responses once, for every blueprint.

JSON callers (``/api``, ``/jobs``, ``Accept: application/json``) get JSON; people get a page.
Users never see a stack trace; the server log does.
"""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import DomainError


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/jobs/", "/health")):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, title: str, message: str, payload: dict | None = None) -> tuple[Response | str, int]:
    if wants_json():
        from flask import jsonify

        return jsonify(payload or {"error": title, "message": message}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return _respond(exc.status_code, type(exc).__name__, exc.message, exc.to_dict())

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _respond(400, "CSRF", "The form has expired or was not sent from this site; reload and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return _respond(exc.code or 500, exc.name, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        err = InternalServerError()
        return _respond(500, err.name, "Something went wrong on our side; it has been logged.")
