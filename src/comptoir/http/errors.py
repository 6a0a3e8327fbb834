"""Every error becomes `{"error": "...", "details": {...}}` with one status per kind, here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from comptoir.accounts.signin import ACCOUNT_WINDOW, SignInLocked
from comptoir.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
)
from comptoir.http.deps import MfaEnrolmentRequired, PasswordChangeRequired
from comptoir.http.json import DecimalJSONResponse
from comptoir.http.methods import method_not_allowed, route_path, route_table

log = logging.getLogger(__name__)

STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    NotAuthenticated: 401,
    PermissionDenied: 403,
    ServiceUnavailable: 503,
}


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api")


def error_body(message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": message, "details": details or {}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, MfaEnrolmentRequired) and _is_page(request):
            return RedirectResponse("/account/mfa", status_code=303)
        if isinstance(exc, SignInLocked) and not _is_page(request):
            # Too many wrong PINs or passwords (switching, approvals): wait, then retry.
            return DecimalJSONResponse(
                error_body(exc.message),
                status_code=429,
                headers={"Retry-After": str(int(ACCOUNT_WINDOW.total_seconds()))},
            )
        if isinstance(exc, PasswordChangeRequired) and _is_page(request):
            return RedirectResponse("/account/password", status_code=303)
        if isinstance(exc, NotAuthenticated) and _is_page(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return DecimalJSONResponse(error_body(exc.message, exc.details), status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        return DecimalJSONResponse(
            error_body("the request is not valid", {"problems": problems}), status_code=422
        )

    @app.exception_handler(IntegrityError)
    async def on_integrity_error(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity error on %s: %s", request.url.path, exc.orig)
        return DecimalJSONResponse(
            error_body("the change conflicts with existing data"), status_code=409
        )

    @app.exception_handler(DataError)
    async def on_data_error(request: Request, exc: DataError) -> Response:
        # A value the database cannot hold (out of range, bad text) that validation let by.
        log.warning("data error on %s: %s", request.url.path, exc.orig)
        return DecimalJSONResponse(
            error_body("a value is out of range or malformed"), status_code=422
        )

    @app.exception_handler(OperationalError)
    async def on_operational_error(request: Request, exc: OperationalError) -> Response:
        log.error("database unavailable on %s: %s", request.url.path, exc.orig)
        return DecimalJSONResponse(
            error_body("the database is busy or unavailable, retry shortly"),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            # Starlette names the methods of one route only; the path may have several.
            allowed = route_table(request.app).allowed(route_path(request.scope))
            if allowed:
                return method_not_allowed(allowed)
        return DecimalJSONResponse(
            error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )
