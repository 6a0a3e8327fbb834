"""The permission matrix, role by role and permission by permission, and token scopes."""

from __future__ import annotations

import itertools

import pytest

from comptoir.accounts.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    allows,
    role_allows,
    scope_allows,
)

P = Permission
CASHIER = {
    P.SELL,
    P.VIEW_SALES,
    P.PARK_SALE,
    P.RETURN_WITH_RECEIPT,
    P.OPERATE_REGISTER,
    P.VIEW_REGISTERS,
    P.VIEW_CATALOG,
    P.QUICK_ADD_PRODUCT,
    P.VIEW_STOCK,
    P.COUNT_STOCK,
    P.VIEW_CUSTOMERS,
    P.MANAGE_CUSTOMERS,
    P.VIEW_SETUP,
    P.VIEW_OWN_ACCOUNT,
    P.MANAGE_OWN_ACCOUNT,
    P.VIEW_OWN_SECURITY_EVENTS,
}
MANAGER = CASHIER | {
    P.DISCOUNT_OVER_LIMIT,
    P.OVERRIDE_PRICE,
    P.SELL_FOR_OTHERS,
    P.VOID_SALE,
    P.EXCEED_ACCOUNT_LIMIT,
    P.REFUND_WITHOUT_RECEIPT,
    P.MANAGE_CATALOG,
    P.IMPORT_CATALOG,
    P.MANAGE_STOCK,
    P.VIEW_CONSIGNMENTS,
    P.MANAGE_CONSIGNMENTS,
    P.IMPORT_CUSTOMERS,
    P.EXPORT_CUSTOMERS,
    P.MANAGE_CUSTOMER_GROUPS,
    P.VIEW_REPORTS,
    P.MANAGE_PROMOTIONS,
    P.VIEW_USERS,
    P.MANAGE_FISCAL,
}
ADMIN = MANAGER | {
    P.MANAGE_SETUP,
    P.MANAGE_USERS,
    P.VIEW_ALL_SECURITY_EVENTS,
    P.MANAGE_INTEGRATIONS,
    P.CUSTOMER_DATA_REQUESTS,
    P.VIEW_FISCAL,
}
OWNER = ADMIN | {P.MANAGE_OWNERSHIP}
EXPECTED = {Role.CASHIER: CASHIER, Role.MANAGER: MANAGER, Role.ADMIN: ADMIN, Role.OWNER: OWNER}


@pytest.mark.parametrize("permission", list(Permission), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_holds_exactly_its_permissions(role: Role, permission: Permission) -> None:
    assert role_allows(role.value, permission) == (permission in EXPECTED[role])


def test_every_role_has_a_row_and_each_role_extends_the_one_below() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    ladder = [Role.CASHIER, Role.MANAGER, Role.ADMIN, Role.OWNER]
    for lower, higher in itertools.pairwise(ladder):
        assert ROLE_PERMISSIONS[lower] < ROLE_PERMISSIONS[higher]
    assert ROLE_PERMISSIONS[Role.OWNER] == frozenset(Permission)


def test_an_unknown_role_is_allowed_nothing() -> None:
    assert not any(role_allows("superuser", p) for p in Permission)


@pytest.mark.parametrize(
    ("scopes", "permission", "allowed"),
    [
        (["*"], P.MANAGE_USERS, True),
        (["products:read"], P.VIEW_CATALOG, True),
        (["products:read"], P.MANAGE_CATALOG, False),
        (["products:read"], P.SELL, False),
        (["products:write"], P.VIEW_CATALOG, True),
        (["products:write"], P.IMPORT_CATALOG, True),
        (["products:write"], P.QUICK_ADD_PRODUCT, True),
        (["products:read"], P.QUICK_ADD_PRODUCT, False),
        (["sales:write"], P.SELL, True),
        (["sales:write"], P.VOID_SALE, True),
        (["sales:read"], P.PARK_SALE, False),
        (["audit:read"], P.VIEW_ALL_SECURITY_EVENTS, True),
        (["audit:read"], P.VIEW_OWN_SECURITY_EVENTS, True),
        ([], P.VIEW_CATALOG, False),
    ],
)
def test_a_write_scope_covers_the_area_and_a_read_scope_only_its_reads(
    scopes: list[str], permission: Permission, allowed: bool
) -> None:
    assert scope_allows(scopes, permission) is allowed


def test_a_scope_never_grants_more_than_the_role() -> None:
    assert not allows(Role.CASHIER.value, ["*"], P.MANAGE_USERS)
    assert not allows(Role.CASHIER.value, ["users:write"], P.MANAGE_USERS)
    assert allows(Role.ADMIN.value, None, P.MANAGE_USERS)
    assert not allows(Role.ADMIN.value, ["products:write"], P.MANAGE_USERS)
