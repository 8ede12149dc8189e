"""Domain errors. Services raise them; the web layer maps each to an HTTP status once."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400

    def __init__(self, message: str, *, params: dict[str, Any] | None = None, **context: Any) -> None:
        # ``message`` may be a template marked with N_() and filled from ``params``: the English text
        # is kept for logs and the CLI, and the web layer translates the template (see localised()).
        self.template = message
        self.params = params or {}
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
        self.context = context

    def localised(self, gettext) -> str:
        """The message in the reader's language, given the web layer's ``gettext``."""
        translated = gettext(self.template)
        return translated % self.params if self.params else translated

    def to_dict(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "message": self.message, **self.context}


class NotFound(DomainError):
    status_code = 404


class Gone(DomainError):
    """The thing existed but was deliberately removed (a phone number erased after its retention period)."""

    status_code = 410


class InvalidState(DomainError):
    """The object exists but is not in a state that allows this action."""

    status_code = 409


class ValidationError(DomainError):
    """Bad input. ``details`` lists every problem: ``{"row": 12, "field": "phone", "message": "…"}``."""

    status_code = 422

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None, *,
                 params: dict[str, Any] | None = None, **context: Any) -> None:
        super().__init__(message, params=params, **context)
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "details": self.details}


class QueueUnavailable(DomainError):
    """Redis could not be reached; the caller decides whether that matters."""

    status_code = 503
