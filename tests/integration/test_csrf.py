"""Every page form post refuses a missing or wrong CSRF token, and changes nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI, params
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel

from comptoir.accounts import mfa
from comptoir.app import create_app
from comptoir.core.settings import Settings
from tests.factories import Store, sign_in, snapshot

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_REFUSAL = "the form expired or came from another site"


def page_posts(app: FastAPI) -> Iterator[tuple[str, Any]]:
    """Every unsafe (method, route) of the pages: everything outside /api."""
    for route in iter_route_contexts(app.routes):
        methods = getattr(route, "methods", None) or set()
        if route.path.startswith("/api"):
            continue
        for method in sorted(methods & UNSAFE):
            yield method, route


SAMPLES: dict[Any, Any] = {uuid.UUID: str(uuid.uuid4()), Decimal: "1", int: 1, bool: True}


def sample_model(model: type[BaseModel]) -> dict[str, Any]:
    """A JSON body that passes `model`'s validation: required fields with plain values."""
    return {
        name: SAMPLES.get(field.annotation, "x")
        for name, field in model.model_fields.items()
        if field.is_required()
    }


def valid_body(route: Any, token: str | None) -> dict[str, Any]:
    """Request arguments that pass the route's body validation, so that only the CSRF token
    can be what refuses it (a 422 for a missing field would hide a route that never checks)."""
    form: dict[str, Any] = {}
    for param in route.dependant.body_params:
        info = param.field_info
        if isinstance(info, params.Form):
            form[param.alias] = "1" if param.alias != "csrf" else ""
        elif isinstance(param.field_info.annotation, type) and issubclass(
            param.field_info.annotation, BaseModel
        ):
            headers = {"X-CSRF-Token": token} if token else {}
            return {"json": sample_model(param.field_info.annotation), "headers": headers}
    form.pop("csrf", None)
    if token:
        form["csrf"] = token
    return {"data": form}


def with_ids(path: str, existing: dict[str, Any]) -> str:
    """Fill path parameters with an existing object's id where the test has one."""
    return re.sub(
        r"\{([^}:]+)(?::[^}]+)?\}",
        lambda m: str(existing.get(m.group(1), uuid.uuid4())),
        path,
    )


@pytest.fixture(scope="module")
def bare_app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://", embedded_worker=False))


def test_the_walk_finds_the_page_forms(bare_app: FastAPI) -> None:
    # Guards the guard: an empty walk would pass while checking nothing.
    found = {(method, route.path) for method, route in page_posts(bare_app)}
    assert ("POST", "/login") in found
    assert ("POST", "/settings") in found
    assert ("POST", "/customers/{customer_id}/edit") in found
    assert len(found) >= 30


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["missing", "wrong"])
def test_every_page_post_refuses_a_missing_or_wrong_csrf_token(
    browser: TestClient, shop: Store, token: str | None
) -> None:
    existing = {
        "user_id": shop.owner.id,
        "product_id": shop.products[0].id if shop.products else uuid.uuid4(),
        "outlet_id": shop.outlet.id,
        "register_id": shop.register.id,
        "tax_id": shop.standard_tax.id,
        "payment_type_id": shop.cash.id,
        "change": "deactivate",
        "extension": "json",
    }
    before = snapshot(shop)
    accepted = []
    for method, route in page_posts(browser.app):  # type: ignore[arg-type]
        path = with_ids(route.path, existing)
        reply = browser.request(method, path, follow_redirects=False, **valid_body(route, token))
        if route.path == "/login/mfa" and reply.headers.get("location") == "/login":
            continue  # no MFA step is pending: nothing to verify (tested with one below)
        refused = reply.status_code == 403 and (
            CSRF_REFUSAL in reply.text or "X-CSRF-Token" in reply.text
        )
        if not refused:
            accepted.append((method, route.path, reply.status_code, reply.text[:200]))
    assert accepted == [], "\n".join(map(str, accepted))
    assert snapshot(shop) == before


def test_the_mfa_step_refuses_a_right_code_without_its_csrf_token(
    app_client: TestClient, shop: Store
) -> None:
    with shop.uow() as uow:
        secret = mfa.begin_enrolment(uow, user_id=shop.owner.id)
    with shop.uow() as uow:
        mfa.confirm_enrolment(uow, user_id=shop.owner.id, code=pyotp.TOTP(secret).now())
    assert sign_in(app_client).headers["location"].startswith("/login/mfa")

    reply = app_client.post(
        "/login/mfa", data={"code": pyotp.TOTP(secret).now()}, follow_redirects=False
    )

    assert reply.status_code == 403
    assert CSRF_REFUSAL in reply.text
    assert app_client.get("/sell", follow_redirects=False).status_code == 303
