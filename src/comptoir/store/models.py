from __future__ import annotations

import uuid
from decimal import Decimal
from enum import IntEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.versioning import Versioned


class Retailer(Versioned, Base):
    """The store's account-wide settings; there is exactly one row."""

    __tablename__ = "retailer"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    country: Mapped[str] = mapped_column(String(2), default="FR")
    # X-Series `tax_exclusive`: prices are entered and displayed without tax.
    tax_exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    sku_sequence_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sku_sequence_value: Mapped[int] = mapped_column(Integer, default=10000)
    default_tax_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tax.id"), default=None)
    store_url: Mapped[str | None] = mapped_column(String(200), default=None)
    # Security settings (accounts issue): TOTP required for admins and the owner; moving to
    # a higher role at a register asks for that user's password, not only a PIN.
    mfa_required_for_admins: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    switch_protection: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # GDPR review: customers with no sale and no change for this long are listed for review.
    customer_inactivity_years: Mapped[int] = mapped_column(
        Integer, default=3, server_default=text("3")
    )
    # Till settings (sale issue). A cashier may discount a line or a sale up to this percent
    # of its price; beyond it a manager approves with their PIN or password.
    # (No server default: an amount is stored scaled on SQLite; migration 0009 fills it.)
    cashier_discount_limit: Mapped[Decimal] = mapped_column(default=Decimal(10))
    # Cash totals are rounded to this (e.g. 0.05); None: no rounding.
    cash_rounding_increment: Mapped[Decimal | None] = mapped_column(default=None)
    max_line_quantity: Mapped[int] = mapped_column(
        Integer, default=10000, server_default=text("10000")
    )
    # A register that sold offline sends its sales with their own dates, up to this old.
    offline_sale_max_age_hours: Mapped[int] = mapped_column(
        Integer, default=72, server_default=text("72")
    )
    quote_validity_days: Mapped[int] = mapped_column(Integer, default=30, server_default=text("30"))
    # What a cancelled layby gives back: "tenders" (refunded as paid), "store_credit", or
    # "none" (the deposit is kept).
    layby_cancel_refund: Mapped[str] = mapped_column(
        String(20), default="tenders", server_default=text("'tenders'")
    )
    # Email the receipt at the end of a sale whose customer has an email (printing issue).
    email_receipts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The month (1-12) the fiscal year starts in: the journal's annual closings end there
    # (fiscal issue; January: the calendar year).
    fiscal_year_start_month: Mapped[int] = mapped_column(
        Integer, default=1, server_default=text("1")
    )


class Outlet(Versioned, Base):
    __tablename__ = "outlet"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    default_tax_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tax.id"), default=None)
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    # Where the outlet's register closures are emailed (the outlet's email when unset).
    manager_email: Mapped[str | None] = mapped_column(String(200), default=None)
    physical_address_1: Mapped[str | None] = mapped_column(String(200), default=None)
    physical_address_2: Mapped[str | None] = mapped_column(String(200), default=None)
    physical_city: Mapped[str | None] = mapped_column(String(100), default=None)
    physical_postcode: Mapped[str | None] = mapped_column(String(20), default=None)
    physical_country_id: Mapped[str | None] = mapped_column(String(2), default=None)


class Register(Versioned, Base):
    __tablename__ = "register"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    outlet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outlet.id"), index=True)
    invoice_prefix: Mapped[str] = mapped_column(String(20), default="")
    invoice_suffix: Mapped[str] = mapped_column(String(20), default="")
    # The number the next sale takes. Bumped atomically by each sale, outside versioning:
    # a counter moving is not a change of the register's settings.
    invoice_sequence: Mapped[int] = mapped_column(Integer, default=1)
    print_receipt: Mapped[bool] = mapped_column(Boolean, default=True)
    # The register session open now (registers' RegisterSession), None when closed: the
    # sale's invoice-number bump reads it on this same row (store.service.take_invoice_number).
    open_session_id: Mapped[uuid.UUID | None] = mapped_column(default=None)

    outlet: Mapped[Outlet] = relationship(lazy="joined")


class Tax(Versioned, Base):
    """A tax as sold on a line (X-Series "tax group"): one or more rates that add up."""

    __tablename__ = "tax"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str | None] = mapped_column(String(100), default=None)

    rates: Mapped[list[TaxRate]] = relationship(
        back_populates="tax",
        cascade="all, delete-orphan",
        order_by="TaxRate.position",
        lazy="selectin",
    )

    @property
    def total_rate(self) -> Decimal:
        return sum((r.rate for r in self.rates), Decimal(0))


class TaxRate(Base):
    __tablename__ = "tax_rate"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tax_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tax.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # A fraction: 0.2 is 20%.
    rate: Mapped[Decimal]
    position: Mapped[int] = mapped_column(Integer, default=0)

    tax: Mapped[Tax] = relationship(back_populates="rates")


class PaymentKind(IntEnum):
    """Global payment type ids, as X-Series' `type_id`."""

    CASH = 1
    CARD_EXTERNAL = 3
    CHEQUE = 4
    BANK_TRANSFER = 5
    VOUCHER = 6
    OTHER = 7
    STORE_CREDIT = 20  # spends the customer's store credit balance


class PaymentType(Versioned, Base):
    __tablename__ = "payment_type"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    type_id: Mapped[int] = mapped_column(Integer, default=PaymentKind.OTHER)
    # An integrated type (a card terminal) names its `payments` provider, e.g. "simulator";
    # its payments are taken and counted by the provider, not typed by the cashier.
    provider: Mapped[str | None] = mapped_column(String(40), default=None)

    @property
    def is_cash(self) -> bool:
        return self.type_id == PaymentKind.CASH
