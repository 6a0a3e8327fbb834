from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.catalog.models import HANDLE_TYPE, SKU_TYPE
from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.versioning import Versioned


class Sale(Versioned, Base):
    """A sale. Its id may come from the register, so a retried request finds the first one."""

    __tablename__ = "sale"
    __table_args__ = (
        UniqueConstraint("register_id", "invoice_sequence"),
        # Sales history: newest first within a register, a customer, a status or a user.
        Index("ix_sale_register_id_sale_date", "register_id", "sale_date"),
        Index("ix_sale_customer_id_sale_date", "customer_id", "sale_date"),
        Index("ix_sale_status_sale_date", "status", "sale_date"),
        Index("ix_sale_outlet_id_sale_date", "outlet_id", "sale_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    outlet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outlet.id"), index=True)
    register_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("register.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    invoice_number: Mapped[str] = mapped_column(String(60), index=True)
    invoice_sequence: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="USER")
    source_id: Mapped[str | None] = mapped_column(String(100), default=None)
    state: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    currency: Mapped[str] = mapped_column(String(3))
    tax_exclusive: Mapped[bool] = mapped_column(Boolean)
    total_price: Mapped[Decimal]
    total_tax: Mapped[Decimal]
    total_price_incl: Mapped[Decimal]
    total_cost: Mapped[Decimal]
    total_payment: Mapped[Decimal]
    sale_date: Mapped[datetime] = mapped_column(index=True)
    # Discounts given on the sale's lines, excluding tax (each line records its own).
    total_discount: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default=text("0"))
    # The cash rounding line (store setting `cash_rounding_increment`): what the customer
    # paid minus the sale's total, shown on the receipt as its own line.
    rounding_adjustment: Mapped[Decimal] = mapped_column(
        default=Decimal(0), server_default=text("0")
    )
    # A quote is a saved sale (status SAVED) marked as such, with an expiry date.
    is_quote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    quote_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # A return (or an exchange) points to the sale it gives back lines of.
    return_for: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sale.id"), default=None, index=True
    )

    # The register session open when the sale was completed (registers' closures count it).
    register_session_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)

    lines: Mapped[list[SaleLine]] = relationship(
        cascade="all, delete-orphan", order_by="SaleLine.sequence", lazy="selectin"
    )
    payments: Mapped[list[SalePayment]] = relationship(
        cascade="all, delete-orphan", order_by="SalePayment.position", lazy="selectin"
    )


class SaleLine(Base):
    """What was sold, as it was when sold (DESIGN.md rule 2)."""

    __tablename__ = "sale_line"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sale_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sale.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str] = mapped_column(SKU_TYPE)
    handle: Mapped[str] = mapped_column(HANDLE_TYPE)
    quantity: Mapped[Decimal]
    price: Mapped[Decimal]  # unit price excluding tax, 5 places
    price_including_tax: Mapped[Decimal]
    tax: Mapped[Decimal]  # unit tax
    tax_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    tax_name: Mapped[str] = mapped_column(String(100))
    tax_rate: Mapped[Decimal]
    tax_components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    price_total: Mapped[Decimal]  # line total excluding tax, rounded
    tax_total: Mapped[Decimal]
    total: Mapped[Decimal]  # price_total + tax_total
    cost: Mapped[Decimal]  # unit cost at the time of sale
    cost_total: Mapped[Decimal]
    is_return: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    # Discounts, recorded as discounts (X-Series `discount` is the unit discount excluding
    # tax): the catalog's unit price before it, the line's discount total, the percent when
    # one was typed, who gave it and the manager who approved it beyond the cashier's limit.
    list_price: Mapped[Decimal | None] = mapped_column(default=None)
    discount: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default=text("0"))
    discount_total: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default=text("0"))
    discount_percent: Mapped[Decimal | None] = mapped_column(default=None)
    discount_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    discount_approved_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # X-Series `price_set`: the price was typed at the till, not taken from the catalog.
    price_set: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A return line points to the line it gives back; the original line counts what has been
    # returned of it (an atomic update, so two registers never return more than was sold).
    return_for_line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sale_line.id"), default=None, index=True
    )
    returned_quantity: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default=text("0"))
    return_reason: Mapped[str | None] = mapped_column(String(100), default=None)
    # False for a damaged item: returned without going back on the shelf.
    restock: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class SalePayment(Base):
    __tablename__ = "sale_payment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sale_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sale.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    register_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("register.id"))
    payment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_type.id"))
    type_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal]
    payment_date: Mapped[datetime]
    # Integrated payments: the processor that took it and its reference there.
    processor: Mapped[str | None] = mapped_column(String(60), default=None)
    provider_reference: Mapped[str | None] = mapped_column(String(100), default=None)
    # The register session that took (or gave back) the money: a layby paid days later
    # counts in that day's closure.
    register_session_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
