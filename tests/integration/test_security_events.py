"""The security trail over the API: your own events, or everyone's with the permission."""

from __future__ import annotations

from fastapi.testclient import TestClient

from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.permissions import Role
from tests.factories import Store, make_scoped_token, make_token, make_user


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def record(shop: Store, user_id: object, action: SecurityAction = SecurityAction.SIGN_IN) -> None:
    with shop.uow() as uow:
        record_event(
            uow.session, action=action, user_id=user_id, ip="192.0.2.7", user_agent="Firefox"
        )
        uow.commit()


def test_a_user_lists_their_own_security_events_in_the_spec_shape(
    app_client: TestClient, shop: Store
) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    record(shop, clerk.id)
    record(shop, shop.owner.id)
    token = make_token(shop, username=clerk.username)
    reply = app_client.get("/api/2.0/security_events", headers=bearer(token))
    assert reply.status_code == 200, reply.text
    events = reply.json()["data"]
    # Creating the token the call uses is an event of the clerk's too.
    assert [e["action"] for e in events] == ["signin", "token_created"]
    event = events[0]
    assert {
        "id",
        "user_id",
        "type",
        "action",
        "ip_address",
        "user_agent",
        "occurred_at",
        "created_at",
    } <= set(event)
    assert (event["user_id"], event["type"], event["ip_address"], event["user_agent"]) == (
        str(clerk.id),
        "security",
        "192.0.2.7",
        "Firefox",
    )
    assert reply.json()["version"]["max"] == events[-1]["version"]


def test_a_cashier_cannot_read_another_users_or_everyones_events(
    app_client: TestClient, shop: Store
) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    token = make_token(shop, username=clerk.username)
    for params in ({"user_id": str(shop.owner.id)}, {"all": "true"}):
        reply = app_client.get("/api/2.0/security_events", params=params, headers=bearer(token))
        assert reply.status_code == 403
        assert reply.json()["details"] == {"permission": "audit:read_all"}


def test_an_admin_reads_one_users_events_or_everyones_paged_by_version(
    app_client: TestClient, shop: Store
) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    admin = make_user(shop, role=Role.ADMIN)
    record(shop, clerk.id)
    record(shop, shop.owner.id, SecurityAction.SIGN_IN_FAILED)
    token = make_token(shop, username=admin.username)
    theirs = app_client.get(
        "/api/2.0/security_events", params={"user_id": str(clerk.id)}, headers=bearer(token)
    ).json()["data"]
    assert [e["user_id"] for e in theirs] == [str(clerk.id)]
    first = app_client.get(
        "/api/2.0/security_events", params={"all": "true", "page_size": 1}, headers=bearer(token)
    ).json()
    rest = app_client.get(
        "/api/2.0/security_events",
        params={"all": "true", "after": first["version"]["max"]},
        headers=bearer(token),
    ).json()
    assert [e["action"] for e in first["data"] + rest["data"]] == [
        "signin",
        "signin_failed",
        "token_created",  # the admin's token, made after the two records
    ]


def test_an_audit_read_token_of_an_admin_lists_everyones_events_but_a_sales_token_cannot(
    app_client: TestClient, shop: Store
) -> None:
    record(shop, shop.owner.id)
    audit = make_scoped_token(shop, shop.owner, scopes=["audit:read"])
    sales = make_scoped_token(shop, shop.owner, scopes=["sales:write"])
    listed = app_client.get(
        "/api/2.0/security_events", params={"all": "true"}, headers=bearer(audit)
    )
    assert listed.status_code == 200
    refused = app_client.get("/api/2.0/security_events", headers=bearer(sales))
    assert refused.status_code == 403


def test_security_event_paging_refuses_bad_parameters(api: TestClient, shop: Store) -> None:
    assert api.get("/api/2.0/security_events", params={"page_size": 0}).status_code == 422
    assert api.get("/api/2.0/security_events", params={"after": -1}).status_code == 422
    assert api.get("/api/2.0/security_events", params={"user_id": "x"}).status_code == 422
