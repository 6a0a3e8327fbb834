"""405 Method Not Allowed with an `Allow` header listing exactly what the path answers.

Starlette answers 405 with the methods of the first route whose path matched, while a path
often has one route per method (`GET` and `POST /api/2.0/products`), so it listed too few.
And a path written out in full (`/api/2.0/users/bulk`, POST) was taken by a route with a
parameter in its place (`GET /api/2.0/users/{user_id}`) for the other methods, which then
answered a 422 about an id instead of a 405. Here a literal path owns its path, and a 405
lists every method of every route matching the path (HEAD only where a route answers it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from comptoir.http.json import DecimalJSONResponse


@dataclass
class RouteTable:
    """Every route's path and methods: literal paths by path, the others by pattern."""

    literal: dict[str, set[str]] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], set[str]]] = field(default_factory=list)

    def allowed(self, path: str) -> set[str]:
        """The methods some route answers at `path` (empty when no route has this path)."""
        if path in self.literal:
            return self.literal[path]
        found: set[str] = set()
        for pattern, methods in self.patterns:
            if pattern.match(path):
                found |= methods
        return found


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    try:  # FastAPI >= 0.13x keeps included routers as branches; this walks them all
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies every route into the app's own list
        yield from routes
        return
    yield from iter_route_contexts(list(routes))


def route_path(scope: Scope) -> str:
    """The request's path below the app's root path, as the router matches it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def build_route_table(app: FastAPI) -> RouteTable:
    table = RouteTable()
    for route in _routes(app.routes):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if not path or not methods:  # a mount (static files): no methods of its own
            continue
        regex, _format, convertors = compile_path(path)
        if convertors:
            table.patterns.append((regex, set(methods)))
        else:
            table.literal.setdefault(path, set()).update(methods)
    return table


def route_table(app: FastAPI) -> RouteTable:
    """The app's table, built once its routes are all in place (at the first request)."""
    table: RouteTable | None = getattr(app.state, "route_table", None)
    if table is None:
        table = app.state.route_table = build_route_table(app)
    return table


def allow_header(methods: Iterable[str]) -> str:
    return ", ".join(sorted(methods))


def method_not_allowed(methods: Iterable[str]) -> DecimalJSONResponse:
    return DecimalJSONResponse(
        {"error": "Method Not Allowed", "details": {}},
        status_code=405,
        headers={"Allow": allow_header(methods)},
    )


class LiteralPathMethods:
    """Plain ASGI middleware: a method a literal path does not answer is a 405 there, even
    when a route with a parameter in that place would take it. One dict look-up per request."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            methods = route_table(self.fastapi_app).literal.get(route_path(scope))
            if methods is not None and scope["method"] not in methods:
                await method_not_allowed(methods)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_allowed_methods(app: FastAPI) -> None:
    app.add_middleware(LiteralPathMethods, fastapi_app=app)
