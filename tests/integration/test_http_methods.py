"""A method a path does not answer is a 405 whose `Allow` lists exactly the methods the path
answers (API routes and pages alike), and `/openapi.json` declares every status an API
operation can answer, each error with the one error body."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from typing import Any

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from comptoir.app import create_app
from comptoir.core.settings import Settings

PROBES = ("DELETE", "PATCH", "PUT", "POST", "GET", "OPTIONS")


def methods_by_path() -> dict[str, set[str]]:
    """Every route's full path with the methods of all its routes, read off the app."""
    app = create_app(Settings(database_url="sqlite://", embedded_worker=False))
    found: dict[str, set[str]] = defaultdict(set)
    for route in iter_route_contexts(app.routes):
        if route.methods:
            found[route.path] |= set(route.methods)
    return dict(found)


PATHS = methods_by_path()


def allow_of(reply: Any) -> set[str]:
    return {m.strip() for m in reply.headers["allow"].split(",")}


def test_a_method_a_path_does_not_answer_is_a_405_listing_exactly_its_methods(
    app_client: TestClient,
) -> None:
    wrong = []
    for path, expected in sorted(PATHS.items()):
        method = next(m for m in PROBES if m not in expected)
        concrete = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        reply = app_client.request(method, concrete)
        if reply.status_code != 405 or allow_of(reply) != expected:
            wrong.append(f"{method} {path}: {reply.status_code} {reply.headers.get('allow')}")
        else:
            assert set(reply.json()) == {"error", "details"}
    assert len(PATHS) > 80  # API paths and pages
    assert wrong == []


def test_a_path_with_one_route_per_method_lists_them_all(app_client: TestClient) -> None:
    reply = app_client.delete("/api/2.0/products")
    assert reply.status_code == 405
    assert reply.headers["allow"] == "GET, POST"
    login = app_client.put("/login")
    assert login.status_code == 405
    assert allow_of(login) == {"GET", "POST"}


def test_a_literal_path_is_not_taken_by_a_route_with_an_id_in_its_place(
    app_client: TestClient,
) -> None:
    # GET /users/{user_id} would read "bulk" as an id and answer 422.
    reply = app_client.get("/api/2.0/users/bulk")
    assert reply.status_code == 405
    assert reply.headers["allow"] == "POST"


def test_options_is_a_405_with_the_methods_of_the_path(app_client: TestClient) -> None:
    reply = app_client.options("/api/register_sales")
    assert reply.status_code == 405
    assert allow_of(reply) == {"GET", "POST"}
    # FastAPI routes do not answer HEAD, so it is not listed.
    assert app_client.head("/api/register_sales").status_code == 405


# /openapi.json ----------------------------------------------------------------------------


def operations(app_client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    schema = app_client.get("/openapi.json").json()
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
    ]


def test_every_api_operation_declares_the_errors_it_can_answer_with_the_error_body(
    app_client: TestClient,
) -> None:
    schema = app_client.get("/openapi.json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["error", "details"]
    found = operations(app_client)
    assert len(found) > 60
    for method, path, operation in found:
        declared = {int(code) for code in operation["responses"]}
        expected = {401, 403, 404, 422, 503}
        if method != "get":
            expected.add(409)
        if "requestBody" in operation:
            expected.add(400)
        assert expected <= declared, f"{method.upper()} {path} misses {expected - declared}"
        assert any(200 <= code < 300 for code in declared), f"{method.upper()} {path}"
        for code in declared - set(range(200, 300)):
            content = operation["responses"][str(code)]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path)


def test_statuses_a_route_answers_itself_are_declared_too(app_client: TestClient) -> None:
    schema = app_client.get("/openapi.json").json()
    switch = schema["paths"]["/api/comptoir/switch_user"]["post"]["responses"]
    assert "Retry-After" in switch["429"]["headers"]
    created = schema["paths"]["/api/2.0/customer_groups"]["post"]["responses"]
    assert "201" in created


def test_a_refused_request_answers_the_declared_error_body(api: TestClient) -> None:
    reply = api.get("/api/2.0/sales", params={"page_size": 501})
    assert reply.status_code == 422
    assert set(reply.json()) == {"error", "details"}
    unauthenticated = api.get("/api/2.0/sales", headers={"Authorization": "Bearer nope"})
    assert unauthenticated.status_code == 401
    assert set(unauthenticated.json()) == {"error", "details"}
