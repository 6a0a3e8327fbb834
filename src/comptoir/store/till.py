"""The till's settings (store-wide): the cashier's discount limit, cash rounding, the
largest quantity on a line, how old an offline sale may be when it is sent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal import events as fiscal_events
from comptoir.store.models import Retailer
from comptoir.store.service import get_retailer

MAX_OFFLINE_HOURS = 24 * 30


@dataclass(frozen=True, kw_only=True)
class TillSettings:
    cashier_discount_limit: Decimal
    cash_rounding_increment: Decimal | None
    max_line_quantity: int
    offline_sale_max_age_hours: int
    quote_validity_days: int = 30
    layby_cancel_refund: str = "tenders"


# What a cancelled layby gives back (sales.voiding reads the same values).
LAYBY_REFUNDS = ("tenders", "store_credit", "none")


def read_till_settings(retailer: Retailer) -> TillSettings:
    return TillSettings(
        cashier_discount_limit=retailer.cashier_discount_limit,
        cash_rounding_increment=retailer.cash_rounding_increment,
        max_line_quantity=retailer.max_line_quantity,
        offline_sale_max_age_hours=retailer.offline_sale_max_age_hours,
        quote_validity_days=retailer.quote_validity_days,
        layby_cancel_refund=retailer.layby_cancel_refund,
    )


def _check(settings: TillSettings) -> None:
    if not Decimal(0) <= settings.cashier_discount_limit <= Decimal(100):
        raise InvalidInput(
            N_("Enter a percentage between 0 and 100."), field="cashier_discount_limit"
        )
    increment = settings.cash_rounding_increment
    if increment is not None and not Decimal("0.01") <= increment <= Decimal(100):
        raise InvalidInput(
            N_("Enter an amount such as 0.05 or 0.10, or leave it empty for no rounding."),
            field="cash_rounding_increment",
        )
    if increment is not None and increment != increment.quantize(Decimal("0.01")):
        raise InvalidInput(
            N_("Enter an amount such as 0.05 or 0.10, or leave it empty for no rounding."),
            field="cash_rounding_increment",
        )
    if not 1 <= settings.max_line_quantity <= 1_000_000:
        raise InvalidInput(
            N_("Enter a whole number between 1 and 1,000,000."), field="max_line_quantity"
        )
    if not 0 <= settings.offline_sale_max_age_hours <= MAX_OFFLINE_HOURS:
        raise InvalidInput(
            N_("Enter a number of hours between 0 and 720."), field="offline_sale_max_age_hours"
        )
    if not 1 <= settings.quote_validity_days <= 366:
        raise InvalidInput(
            N_("Enter a number of days between 1 and 366."), field="quote_validity_days"
        )
    if settings.layby_cancel_refund not in LAYBY_REFUNDS:
        raise InvalidInput(N_("Choose one of the options."), field="layby_cancel_refund")


def update_till_settings(uow: UnitOfWork, *, settings: TillSettings) -> Retailer:
    _check(settings)
    retailer = get_retailer(uow.session)
    retailer.cashier_discount_limit = settings.cashier_discount_limit
    retailer.cash_rounding_increment = settings.cash_rounding_increment
    retailer.max_line_quantity = settings.max_line_quantity
    retailer.offline_sale_max_age_hours = settings.offline_sale_max_age_hours
    retailer.quote_validity_days = settings.quote_validity_days
    retailer.layby_cancel_refund = settings.layby_cancel_refund
    fiscal_events.settings_changed(uow.session, retailer)
    uow.commit()
    return retailer
