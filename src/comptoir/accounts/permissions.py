"""The permission matrix, written once. Routes name a permission; roles grant sets of them.

A permission's value is "area:action". Token scopes are "area:read", "area:write" or "*":
"area:read" covers the read actions of an area ("read", "read_..."), "area:write" covers
every action of the area, and "*" is the user's full rights. A token call needs both the
role's permission and a scope that covers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    ADMIN = "admin"
    OWNER = "owner"


class Permission(StrEnum):
    # Selling (cashier)
    SELL = "sales:write"
    VIEW_SALES = "sales:read"
    PARK_SALE = "sales:park"
    RETURN_WITH_RECEIPT = "sales:return"  # within the store's limits
    OPERATE_REGISTER = "registers:write"  # open, close, float, cash in and out
    VIEW_REGISTERS = "registers:read"
    VIEW_CATALOG = "products:read"
    # A name and a price from the sell screen, to sell an item missing from the catalog
    # (editing or deleting products stays with MANAGE_CATALOG).
    QUICK_ADD_PRODUCT = "products:quick_add"
    VIEW_STOCK = "inventory:read"
    VIEW_CUSTOMERS = "customers:read"
    MANAGE_CUSTOMERS = "customers:write"
    VIEW_SETUP = "setup:read"
    VIEW_OWN_ACCOUNT = "account:read"  # the current user, their tokens and security events
    MANAGE_OWN_ACCOUNT = "account:write"  # own tokens, PIN, "sign out everywhere"
    VIEW_OWN_SECURITY_EVENTS = "audit:read"
    # Managing a shop floor (manager)
    DISCOUNT_OVER_LIMIT = "sales:discount_over_limit"
    # A line sold at another price or tax than the catalog gives it (API `price`, `tax_id`).
    OVERRIDE_PRICE = "sales:price_override"
    # A sale a token records for another user than its own (API `user_id`).
    SELL_FOR_OTHERS = "sales:for_others"
    VOID_SALE = "sales:void"
    # An on-account sale that takes a customer past their balance limit.
    EXCEED_ACCOUNT_LIMIT = "sales:exceed_account_limit"
    REFUND_WITHOUT_RECEIPT = "sales:refund_without_receipt"
    MANAGE_CATALOG = "products:write"
    IMPORT_CATALOG = "products:import"
    MANAGE_STOCK = "inventory:write"
    # Stock control: purchase orders, transfers, supplier returns and stocktakes (X-Series'
    # consignments); counting a stocktake that a manager started is a cashier's job too.
    VIEW_CONSIGNMENTS = "consignments:read"
    MANAGE_CONSIGNMENTS = "consignments:write"
    COUNT_STOCK = "consignments:count"
    IMPORT_CUSTOMERS = "customers:import"
    # The whole customer list in one file (each export is a security event).
    EXPORT_CUSTOMERS = "customers:export"
    MANAGE_CUSTOMER_GROUPS = "customers:groups"  # groups drive promotions and price books
    VIEW_REPORTS = "reports:read"
    MANAGE_PROMOTIONS = "promotions:write"
    VIEW_USERS = "users:read"
    # Settings > Fiscal: the fiscal year, the journal's archives and public keys.
    MANAGE_FISCAL = "fiscal:manage"
    # Running the store (admin)
    MANAGE_SETUP = "setup:write"  # store, outlets, registers, taxes, payment types
    MANAGE_USERS = "users:write"
    VIEW_ALL_SECURITY_EVENTS = "audit:read_all"
    MANAGE_INTEGRATIONS = "integrations:write"  # webhooks, e-commerce channels
    CUSTOMER_DATA_REQUESTS = "customers:gdpr"  # export, rectify, erase a person's data
    VIEW_FISCAL = "fiscal:read"  # closings and archives
    # The account itself (owner)
    MANAGE_OWNERSHIP = "ownership:write"  # transfer ownership, close the account

    @property
    def area(self) -> str:
        return self.value.partition(":")[0]

    @property
    def is_read(self) -> bool:
        action = self.value.partition(":")[2]
        return action == "read" or action.startswith("read_")


_CASHIER = frozenset(
    {
        Permission.SELL,
        Permission.VIEW_SALES,
        Permission.PARK_SALE,
        Permission.RETURN_WITH_RECEIPT,
        Permission.OPERATE_REGISTER,
        Permission.VIEW_REGISTERS,
        Permission.VIEW_CATALOG,
        Permission.QUICK_ADD_PRODUCT,
        Permission.VIEW_STOCK,
        Permission.COUNT_STOCK,
        Permission.VIEW_CUSTOMERS,
        Permission.MANAGE_CUSTOMERS,
        Permission.VIEW_SETUP,
        Permission.VIEW_OWN_ACCOUNT,
        Permission.MANAGE_OWN_ACCOUNT,
        Permission.VIEW_OWN_SECURITY_EVENTS,
    }
)
_MANAGER = _CASHIER | {
    Permission.DISCOUNT_OVER_LIMIT,
    Permission.OVERRIDE_PRICE,
    Permission.SELL_FOR_OTHERS,
    Permission.VOID_SALE,
    Permission.EXCEED_ACCOUNT_LIMIT,
    Permission.REFUND_WITHOUT_RECEIPT,
    Permission.MANAGE_CATALOG,
    Permission.IMPORT_CATALOG,
    Permission.MANAGE_STOCK,
    Permission.VIEW_CONSIGNMENTS,
    Permission.MANAGE_CONSIGNMENTS,
    Permission.IMPORT_CUSTOMERS,
    Permission.EXPORT_CUSTOMERS,
    Permission.MANAGE_CUSTOMER_GROUPS,
    Permission.VIEW_REPORTS,
    Permission.MANAGE_PROMOTIONS,
    Permission.VIEW_USERS,
    Permission.MANAGE_FISCAL,
}
_ADMIN = _MANAGER | {
    Permission.MANAGE_SETUP,
    Permission.MANAGE_USERS,
    Permission.VIEW_ALL_SECURITY_EVENTS,
    Permission.MANAGE_INTEGRATIONS,
    Permission.CUSTOMER_DATA_REQUESTS,
    Permission.VIEW_FISCAL,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: _CASHIER,
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(Permission),
}

# Roles an admin may give; the owner role is held by the account owner alone.
ASSIGNABLE_ROLES = (Role.CASHIER, Role.MANAGER, Role.ADMIN)

FULL_SCOPE = "*"
SCOPE_AREAS = tuple(sorted({p.area for p in Permission}))
SCOPE_ACCESS = ("read", "write")


def role_allows(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def scope_allows(scopes: Iterable[str], permission: Permission) -> bool:
    """Whether token scopes cover `permission` ("area:write" implies "area:read")."""
    granted = set(scopes)
    if FULL_SCOPE in granted or f"{permission.area}:write" in granted:
        return True
    return permission.is_read and f"{permission.area}:read" in granted


def allows(role: str, scopes: Iterable[str] | None, permission: Permission) -> bool:
    """The one check: the role grants `permission` and, for a token, its scopes cover it."""
    if not role_allows(role, permission):
        return False
    return scopes is None or scope_allows(scopes, permission)
