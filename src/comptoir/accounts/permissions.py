"""The permission matrix, written once. Routes name a permission; roles grant sets of them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    ADMIN = "admin"
    OWNER = "owner"


class Permission(StrEnum):
    SELL = "sales:write"
    VIEW_SALES = "sales:read"
    VIEW_CATALOG = "products:read"
    MANAGE_CATALOG = "products:write"
    VIEW_STOCK = "inventory:read"
    MANAGE_STOCK = "inventory:write"
    VIEW_SETUP = "setup:read"
    MANAGE_SETUP = "setup:write"
    VIEW_USERS = "users:read"
    MANAGE_USERS = "users:write"


_CASHIER = frozenset(
    {
        Permission.SELL,
        Permission.VIEW_SALES,
        Permission.VIEW_CATALOG,
        Permission.VIEW_STOCK,
        Permission.VIEW_SETUP,
    }
)
_MANAGER = _CASHIER | {Permission.MANAGE_CATALOG, Permission.MANAGE_STOCK, Permission.VIEW_USERS}
_ADMIN = _MANAGER | {Permission.MANAGE_SETUP, Permission.MANAGE_USERS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: _CASHIER,
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(Permission),
}


def role_allows(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
