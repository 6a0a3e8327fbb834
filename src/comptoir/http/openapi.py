"""`/openapi.json` declares every status an API operation can answer, for every router.

Errors are mapped in one place (`http/errors.py`), so they are declared in one place too:
each operation under `/api` gets the error answers that mapping can give it, with the one
error body `{"error": "...", "details": {...}}`, whichever router it comes from. A route
declares only what is its own (a 201, a 429 it answers itself) with FastAPI's `responses=`;
its error statuses get the error body here.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "details"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, in English"},
        "details": {"type": "object", "description": "The fields or ids concerned"},
    },
}

# What each status means here, as `http/errors.py` maps the errors.
ERROR_STATUSES: dict[int, str] = {
    400: "The body could not be read (not JSON, or not text)",
    401: "No valid token or session",
    403: "The caller lacks the permission, or a browser call lacks its X-CSRF-Token",
    404: "Something the request names does not exist (or the store is not set up)",
    409: "The change conflicts with existing data (a duplicate id, a code already used)",
    422: "The request is not valid, or a business rule refuses it; nothing changed",
    429: "Too many attempts; retry after the time in Retry-After",
    503: "The database is busy or unavailable; retry after the time in Retry-After",
}

# X-Series 2.0 answers (DESIGN.md, API conventions): a list paged by version, one object.
VERSION_COLLECTION: dict[str, Any] = {
    "title": "VersionCollection",
    "type": "object",
    "required": ["data", "version"],
    "properties": {
        "data": {"type": "array", "items": {"type": "object"}},
        "version": {
            "type": "object",
            "required": ["min", "max"],
            "properties": {
                "min": {"type": ["integer", "null"], "description": "Lowest version on the page"},
                "max": {"type": ["integer", "null"], "description": "Pass as `after` next"},
            },
        },
    },
}
ONE_OBJECT: dict[str, Any] = {
    "title": "OneObject",
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "object"}},
}
PAGING_PARAMETERS = frozenset({"after", "before", "page_size"})
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}}


def error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses any API operation can answer, from its method and its body."""
    statuses = [401, 403, 404, 422, 503]
    if method in WRITE_METHODS:
        statuses.append(409)  # a unique constraint a concurrent write took first
    if "requestBody" in operation:
        statuses.append(400)
    return statuses


def _error_response(status: int, description: str | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description or ERROR_STATUSES.get(status, "Error"),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def _success_shape(path: str, method: str, operation: dict[str, Any]) -> str | None:
    """The 2.0 shape of a GET's answer when the route declares none of its own."""
    if method != "get" or not path.startswith(("/api/2.0/", "/api/2.1/")):
        return None
    query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    if query >= PAGING_PARAMETERS:
        return "VersionCollection"
    if path.endswith("}"):
        return "OneObject"
    return None


def _declare_success(path: str, method: str, operation: dict[str, Any]) -> None:
    shape = _success_shape(path, method, operation)
    answer = operation.get("responses", {}).get("200", {})
    content = answer.get("content", {}).get("application/json")
    if shape is not None and content is not None and not content.get("schema"):
        content["schema"] = {"$ref": f"#/components/schemas/{shape}"}


def declare_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers to every `/api` operation of an OpenAPI document, and the 2.0
    shape to the lists and single objects that declare none (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(
        Error=ERROR_SCHEMA, VersionCollection=VERSION_COLLECTION, OneObject=ONE_OBJECT
    )
    for path, item in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            _declare_success(path, method, operation)
            responses: dict[str, Any] = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if code.isdigit()}
            for status in sorted(set(error_statuses(method, operation)) | declared):
                if status < 400:
                    continue
                # FastAPI's own 422 describes its validation body, which http/errors.py
                # replaces with ours: every error answer has the one error body.
                given = responses.get(str(status), {})
                responses[str(status)] = _error_response(status, given.get("description"))
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema):
        for unused in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(unused, None)
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
