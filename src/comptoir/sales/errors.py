from __future__ import annotations

import uuid
from decimal import Decimal

from comptoir.core.errors import InvalidInput, PermissionDenied
from comptoir.sales.inputs import line_field


class UnknownProducts(InvalidInput):
    def __init__(self, product_ids: list[str]) -> None:
        super().__init__("unknown or deleted product", product_ids=product_ids)


class UnknownPaymentTypes(InvalidInput):
    def __init__(self, payment_type_ids: list[str]) -> None:
        super().__init__("unknown payment type", payment_type_ids=payment_type_ids)


class PaymentShortfall(InvalidInput):
    def __init__(self, *, total: Decimal, paid: Decimal) -> None:
        super().__init__(
            "the payments do not cover the sale total",
            total=str(total),
            paid=str(paid),
            missing=str(total - paid),
        )


class ChangeWithoutCash(InvalidInput):
    def __init__(self, *, excess: Decimal, cash: Decimal) -> None:
        super().__init__(
            "payments exceed the total by more than the cash tendered: change is given in cash",
            excess=str(excess),
            cash=str(cash),
        )


class OutletNotAllowed(PermissionDenied):
    def __init__(self, *, user_id: uuid.UUID, outlet_id: uuid.UUID) -> None:
        super().__init__(
            "this user is not allowed to sell at this outlet",
            user_id=str(user_id),
            outlet_id=str(outlet_id),
        )


class SellerNotOnSession(PermissionDenied):
    def __init__(self, *, user_id: uuid.UUID) -> None:
        super().__init__("this register session sells as its current user", user_id=str(user_id))


class SellerNotAllowed(PermissionDenied):
    def __init__(self, *, user_id: uuid.UUID) -> None:
        super().__init__(
            "recording a sale for another user needs the sales:for_others permission"
            " (managers and above)",
            user_id=str(user_id),
        )


class UnknownLineTax(InvalidInput):
    """A line names a tax the store does not have (or has deleted)."""

    def __init__(self, *, index: int, tax_id: uuid.UUID) -> None:
        super().__init__(
            f"{line_field(index, 'tax_id')}: {tax_id} is not a tax of this store",
            field=line_field(index, "tax_id"),
            tax_id=str(tax_id),
        )


class UnitTaxWithoutPrice(InvalidInput):
    """A unit tax means something only with the unit price it was computed on."""

    def __init__(self, *, index: int) -> None:
        super().__init__(
            f"{line_field(index, 'tax')}: a unit tax is sent with the unit price it is computed on",
            field=line_field(index, "price"),
        )


class UnitTaxMismatch(InvalidInput):
    """The unit tax sent is not what the line's tax gives on the unit price sent."""

    def __init__(
        self,
        *,
        index: int,
        price: Decimal,
        tax: Decimal,
        expected: Decimal,
        tax_id: uuid.UUID | None,
        tax_name: str | None,
    ) -> None:
        super().__init__(
            f"{line_field(index, 'tax')}: {tax} is not what {tax_name or 'no tax'} gives on the"
            f" unit price {price} ({expected}); send the tax_id of the rate it was computed"
            " with, or leave tax out to let the store compute it",
            field=line_field(index, "tax"),
            tax=str(tax),
            price=str(price),
            expected=str(expected),
            tax_id=str(tax_id) if tax_id else None,
        )


class PriceOverrideNotAllowed(PermissionDenied):
    """A line sold at another price or tax than the catalog's, by a user who may not."""

    def __init__(self, *, index: int) -> None:
        super().__init__(
            "selling at another price or tax than the catalog's needs the"
            " sales:price_override permission (managers and above)",
            field=line_field(index, "price"),
        )
