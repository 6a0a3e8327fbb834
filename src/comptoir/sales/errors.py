from __future__ import annotations

import uuid
from decimal import Decimal

from comptoir.core.errors import InvalidInput, PermissionDenied


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
