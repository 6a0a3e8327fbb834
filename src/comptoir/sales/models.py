from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.catalog.models import HANDLE_TYPE, SKU_TYPE
from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.versioning import Versioned


class Sale(Versioned, Base):
    """A sale. Its id may come from the register, so a retried request finds the first one."""

    __tablename__ = "sale"
    __table_args__ = (UniqueConstraint("register_id", "invoice_sequence"),)

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
