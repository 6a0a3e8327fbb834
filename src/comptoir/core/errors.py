"""Typed domain errors. The web layer maps each kind to one HTTP status, in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a use case raises on purpose. `details` is JSON-serialisable."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    """The request is well-formed but its content is wrong (422)."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class PermissionDenied(DomainError):
    code = "permission_denied"


class ServiceUnavailable(DomainError):
    """Something the use case needs is missing on this server (503); retrying later may work."""

    code = "service_unavailable"
