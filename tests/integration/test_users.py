"""Managing users: who may change whom, PINs, outlets, soft delete and the security trail."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts import users
from comptoir.accounts.models import SecurityEvent, User
from comptoir.accounts.permissions import Role
from comptoir.accounts.service import verify_password
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    make_product,
    make_sale,
    make_token,
    make_user,
)


def actor(user: User) -> users.Actor:
    return users.Actor(user=user, ip="10.0.0.9", user_agent="tests")


def fields(**changes: object) -> users.UserFields:
    values: dict[str, object] = {"username": "lea", "display_name": "Léa", "role": "cashier"}
    values.update(changes)
    return users.UserFields(**values)  # type: ignore[arg-type]


def create(shop: Store, by: User, **changes: object) -> User:
    with shop.uow() as uow:
        return users.create_user(
            uow, actor=actor(by), fields=fields(**changes), password="a long password"
        )


def events_of(shop: Store, user_id: uuid.UUID) -> list[SecurityEvent]:
    with shop.db.read_sessions() as session:
        query = select(SecurityEvent).where(SecurityEvent.user_id == user_id)
        return list(session.scalars(query.order_by(SecurityEvent.version)))


def reload(shop: Store, user_id: uuid.UUID) -> User:
    with shop.db.read_sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def test_an_admin_creates_a_user_limited_to_outlets_with_a_hashed_pin(shop: Store) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    lea = create(shop, admin, pin="4321", outlet_ids=[shop.outlet.id], email="Lea@Example.com")
    stored = reload(shop, lea.id)
    assert stored.role == "cashier" and stored.email == "lea@example.com"
    assert stored.require_password_change
    assert stored.pin_hash and "4321" not in stored.pin_hash
    assert verify_password(stored.pin_hash, "4321")
    with shop.db.read_sessions() as session:
        assert users.outlets_of(session, user_ids=[lea.id]) == {lea.id: [shop.outlet.id]}
    [event] = events_of(shop, lea.id)
    assert (event.action, event.actor_id, event.ip_address) == (
        "user_created",
        admin.id,
        "10.0.0.9",
    )
    assert event.details == {"role": "cashier"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "two words"}, "username"),
        ({"role": "owner"}, "role"),
        ({"role": "superuser"}, "role"),
        ({"email": "not-an-email"}, "email"),
        ({"pin": "12a4"}, "pin"),
        ({"pin": "123"}, "pin"),
        ({"pin": "123456789"}, "pin"),
        ({"outlet_ids": [uuid.uuid4()]}, "outlet_ids"),
        ({"display_name": "x" * 201}, "display_name"),
    ],
)
def test_a_bad_user_is_refused_on_its_field_and_nothing_is_saved(
    shop: Store, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        create(shop, shop.owner, **changes)
    assert refused.value.details["field"] == field
    with shop.db.read_sessions() as session:
        assert [u.username for u in users.list_users(session)] == [shop.owner.username]
        assert session.scalars(select(SecurityEvent)).all() == []


def test_a_taken_username_is_refused_whatever_its_case(shop: Store) -> None:
    create(shop, shop.owner, username="lea")
    with pytest.raises(InvalidInput, match="taken"):
        create(shop, shop.owner, username="LEA")


def test_a_manager_cannot_create_users(shop: Store) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    with pytest.raises(PermissionDenied):
        create(shop, manager)


def test_a_role_change_is_recorded_with_the_old_and_new_role(shop: Store) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    lea = create(shop, admin)
    with shop.uow() as uow:
        users.update_user(
            uow, actor=actor(admin), user_id=lea.id, fields=fields(role="manager", pin=None)
        )
    assert reload(shop, lea.id).role == "manager"
    changed = [e for e in events_of(shop, lea.id) if e.action == "role_changed"]
    assert [e.details for e in changed] == [{"old": "cashier", "new": "manager"}]


def test_an_edit_without_a_pin_keeps_it_and_an_empty_pin_removes_it(shop: Store) -> None:
    lea = create(shop, shop.owner, pin="2468")
    with shop.uow() as uow:
        users.update_user(uow, actor=actor(shop.owner), user_id=lea.id, fields=fields(pin=None))
    assert verify_password(reload(shop, lea.id).pin_hash, "2468")
    with shop.uow() as uow:
        users.update_user(uow, actor=actor(shop.owner), user_id=lea.id, fields=fields(pin=""))
    assert reload(shop, lea.id).pin_hash is None


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_nobody_but_the_owner_changes_deactivates_or_deletes_the_owner(
    shop: Store, role: Role
) -> None:
    other = make_user(shop, role=role)
    owner_fields = fields(username=shop.owner.username, role="owner", email=shop.owner.email)
    with shop.uow() as uow, pytest.raises(PermissionDenied):
        users.update_user(uow, actor=actor(other), user_id=shop.owner.id, fields=owner_fields)
    for change in (users.deactivate_user, users.delete_user):
        with shop.uow() as uow, pytest.raises(PermissionDenied):
            change(uow, actor=actor(other), user_id=shop.owner.id)
    stored = reload(shop, shop.owner.id)
    assert stored.enabled and stored.deleted_at is None and stored.role == "owner"


def test_the_owner_cannot_demote_themselves_and_their_username_follows_their_email(
    shop: Store,
) -> None:
    me = actor(shop.owner)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        users.update_user(
            uow, actor=me, user_id=shop.owner.id, fields=fields(role="admin", email="a@b.c")
        )
    with shop.uow() as uow:
        users.update_user(
            uow,
            actor=me,
            user_id=shop.owner.id,
            fields=fields(username="ignored", role="owner", email="Patron@Example.com"),
        )
    stored = reload(shop, shop.owner.id)
    assert stored.username == stored.email == "patron@example.com"
    assert stored.role == "owner"


def test_an_admin_cannot_change_their_own_role_or_deactivate_themselves(shop: Store) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        users.update_user(
            uow,
            actor=actor(admin),
            user_id=admin.id,
            fields=fields(username=admin.username, role="cashier"),
        )
    with shop.uow() as uow, pytest.raises(InvalidInput):
        users.deactivate_user(uow, actor=actor(admin), user_id=admin.id)
    assert reload(shop, admin.id).role == "admin"


def test_an_admin_may_manage_another_admin(shop: Store) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    other = create(shop, admin, role="admin")
    with shop.uow() as uow:
        users.deactivate_user(uow, actor=actor(admin), user_id=other.id)
    assert not reload(shop, other.id).enabled


def test_deactivation_is_reversible_and_recorded(shop: Store) -> None:
    lea = create(shop, shop.owner)
    with shop.uow() as uow:
        users.deactivate_user(uow, actor=actor(shop.owner), user_id=lea.id)
    assert not reload(shop, lea.id).enabled
    with shop.uow() as uow:
        users.reactivate_user(uow, actor=actor(shop.owner), user_id=lea.id)
    assert reload(shop, lea.id).enabled
    assert [e.action for e in events_of(shop, lea.id)] == [
        "user_created",
        "user_deactivated",
        "user_reactivated",
    ]


def test_a_user_with_sales_is_never_deleted_only_soft_deleted(api: TestClient, shop: Store) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    make_sale(shop, [(make_product(shop, price="5.00"), 1)], total="5.00")
    with shop.uow() as uow:
        uow.session.execute(Sale.__table__.update().values(user_id=clerk.id))
        uow.commit()
    reply = api.delete(f"/api/2.0/users/{clerk.id}")
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["deleted_at"] is not None
    stored = reload(shop, clerk.id)
    assert stored.deleted_at is not None and not stored.enabled
    with shop.db.read_sessions() as session:
        assert session.scalar(select(Sale.user_id)) == clerk.id
    assert api.get(f"/api/2.0/users/{clerk.id}").status_code == 404
    listed = api.get("/api/2.0/users", params={"deleted": "true"}).json()["data"]
    assert str(clerk.id) in [u["id"] for u in listed]
    assert str(clerk.id) not in [u["id"] for u in api.get("/api/2.0/users").json()["data"]]


def test_deleting_the_owner_or_oneself_through_the_api_is_refused(
    app_client: TestClient, api: TestClient, shop: Store
) -> None:
    assert api.delete(f"/api/2.0/users/{shop.owner.id}").status_code == 403
    admin = make_user(shop, role=Role.ADMIN)
    headers = {"Authorization": f"Bearer {make_token(shop, username=admin.username)}"}
    assert app_client.delete(f"/api/2.0/users/{admin.id}", headers=headers).status_code == 422
    assert app_client.delete(f"/api/2.0/users/{uuid.uuid4()}", headers=headers).status_code == 404
    assert reload(shop, admin.id).enabled


def test_deleting_a_user_is_refused_to_a_manager(app_client: TestClient, shop: Store) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    clerk = make_user(shop, role=Role.CASHIER)
    headers = {"Authorization": f"Bearer {make_token(shop, username=manager.username)}"}
    reply = app_client.delete(f"/api/2.0/users/{clerk.id}", headers=headers)
    assert reply.status_code == 403
    assert reload(shop, clerk.id).deleted_at is None


def test_the_users_api_pages_by_version_and_shows_outlet_limits(
    api: TestClient, shop: Store
) -> None:
    lea = create(shop, shop.owner, outlet_ids=[shop.outlet.id])
    first = api.get("/api/2.0/users", params={"page_size": 1}).json()
    assert [u["id"] for u in first["data"]] == [str(shop.owner.id)]
    rest = api.get("/api/2.0/users", params={"after": first["version"]["max"]}).json()
    [row] = rest["data"]
    assert row["id"] == str(lea.id)
    assert row["restricted_outlet_ids"] == [str(shop.outlet.id)]
    assert row["restricted_outlet_id"] == str(shop.outlet.id)
    assert row["require_password_change"] is True
    bulk = api.post("/api/2.0/users/bulk", json={"user_ids": [str(lea.id), str(uuid.uuid4())]})
    assert [u["id"] for u in bulk.json()["data"]] == [str(lea.id)]
    assert api.post("/api/2.0/users/bulk", json={"user_ids": ["nope"]}).status_code == 422


def test_get_user_of_an_unknown_id_is_404(api: TestClient, shop: Store) -> None:
    with shop.db.read_sessions() as session, pytest.raises(NotFound):
        users.get_user(session, user_id=uuid.uuid4())
    assert api.get(f"/api/2.0/users/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.CASHIER, False), (Role.MANAGER, False), (Role.ADMIN, True)]
)
def test_the_api_lets_only_user_managers_delete_users(
    app_client: TestClient, shop: Store, role: Role, allowed: bool
) -> None:
    caller = make_user(shop, role=role)
    clerk = make_user(shop, role=Role.CASHIER)
    headers = {"Authorization": f"Bearer {make_token(shop, username=caller.username)}"}
    listed = app_client.get("/api/2.0/users", headers=headers)
    assert listed.status_code == (403 if role == Role.CASHIER else 200)
    reply = app_client.delete(f"/api/2.0/users/{clerk.id}", headers=headers)
    assert reply.status_code == (200 if allowed else 403), reply.text
    assert (reload(shop, clerk.id).deleted_at is not None) is allowed


def test_deactivating_a_user_revokes_their_tokens_so_reactivation_does_not_revive_them(
    app_client: TestClient, shop: Store
) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    headers = {"Authorization": f"Bearer {make_token(shop, username=clerk.username)}"}
    assert app_client.get("/api/2.0/user", headers=headers).status_code == 200
    with shop.uow() as uow:
        users.deactivate_user(uow, actor=actor(shop.owner), user_id=clerk.id)
    with shop.uow() as uow:
        users.reactivate_user(uow, actor=actor(shop.owner), user_id=clerk.id)
    assert app_client.get("/api/2.0/user", headers=headers).status_code == 401


def test_limiting_a_user_to_outlets_gives_them_a_new_version_for_clients_syncing_users(
    api: TestClient, shop: Store
) -> None:
    lea = create(shop, shop.owner)
    seen = api.get("/api/2.0/users").json()["version"]["max"]
    with shop.uow() as uow:  # the same fields again: nothing changed, no new version
        users.update_user(uow, actor=actor(shop.owner), user_id=lea.id, fields=fields(pin=None))
    assert api.get("/api/2.0/users", params={"after": seen}).json()["data"] == []

    with shop.uow() as uow:
        users.update_user(
            uow,
            actor=actor(shop.owner),
            user_id=lea.id,
            fields=fields(pin=None, outlet_ids=[shop.outlet.id]),
        )

    [changed] = api.get("/api/2.0/users", params={"after": seen}).json()["data"]
    assert changed["id"] == str(lea.id)
    assert changed["restricted_outlet_ids"] == [str(shop.outlet.id)]
