from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, event, false, text
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.textsearch import fold
from comptoir.core.versioning import Versioned

DEFAULT_GROUP_NAME = "All Customers"


class CustomerGroup(Versioned, Base):
    """One group per customer; groups drive promotions and price books."""

    __tablename__ = "customer_group"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), index=True)
    # The group new customers join ("All Customers"); it cannot be deleted.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Customer(Versioned, Base):
    __tablename__ = "customer"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Unique among all customers, erased ones included (a loyalty card is never reissued).
    customer_code: Mapped[str] = mapped_column(String(100), unique=True)
    customer_group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customer_group.id"), index=True
    )
    first_name: Mapped[str | None] = mapped_column(String(100), default=None)
    last_name: Mapped[str | None] = mapped_column(String(100), default=None)
    company_name: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(200), default=None, index=True)
    phone: Mapped[str | None] = mapped_column(String(50), default=None)
    mobile: Mapped[str | None] = mapped_column(String(50), default=None)
    fax: Mapped[str | None] = mapped_column(String(50), default=None)
    website: Mapped[str | None] = mapped_column(String(200), default=None)
    twitter: Mapped[str | None] = mapped_column(String(100), default=None)
    date_of_birth: Mapped[date | None] = mapped_column(Date, default=None)
    gender: Mapped[str | None] = mapped_column(String(1), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    physical_address_1: Mapped[str | None] = mapped_column(String(200), default=None)
    physical_address_2: Mapped[str | None] = mapped_column(String(200), default=None)
    physical_suburb: Mapped[str | None] = mapped_column(String(100), default=None)
    physical_city: Mapped[str | None] = mapped_column(String(100), default=None)
    physical_postcode: Mapped[str | None] = mapped_column(String(20), default=None)
    physical_state: Mapped[str | None] = mapped_column(String(100), default=None)
    physical_country_id: Mapped[str | None] = mapped_column(String(2), default=None)
    postal_address_1: Mapped[str | None] = mapped_column(String(200), default=None)
    postal_address_2: Mapped[str | None] = mapped_column(String(200), default=None)
    postal_suburb: Mapped[str | None] = mapped_column(String(100), default=None)
    postal_city: Mapped[str | None] = mapped_column(String(100), default=None)
    postal_postcode: Mapped[str | None] = mapped_column(String(20), default=None)
    postal_state: Mapped[str | None] = mapped_column(String(100), default=None)
    postal_country_id: Mapped[str | None] = mapped_column(String(2), default=None)
    custom_field_1: Mapped[str | None] = mapped_column(String(255), default=None)
    custom_field_2: Mapped[str | None] = mapped_column(String(255), default=None)
    custom_field_3: Mapped[str | None] = mapped_column(String(255), default=None)
    custom_field_4: Mapped[str | None] = mapped_column(String(255), default=None)
    do_not_email: Mapped[bool] = mapped_column(Boolean, default=False)
    enable_loyalty: Mapped[bool] = mapped_column(Boolean, default=False)
    on_account_limit: Mapped[Decimal | None] = mapped_column(default=None)
    # What the customer owes on account and the store credit they hold: each kept equal to
    # the sum of its ledger (customer_account_movement, store_credit_transaction) by atomic
    # updates in the same transaction as the movement.
    account_balance: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default=text("0"))
    store_credit_balance: Mapped[Decimal] = mapped_column(
        default=Decimal(0), server_default=text("0")
    )
    # A customer-specific tax (e.g. an exempt organisation), None for the usual one.
    tax_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tax.id"), default=None)
    # Set when the person was erased at their request: the row stays so that sales keep
    # their customer, but it no longer identifies anyone.
    anonymised_at: Mapped[datetime | None] = mapped_column(default=None)
    # Folded names, code, email, company and phone digits (see _fold_search_text).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class MarketingConsent(Base):
    """Each consent given or withdrawn, with when and through what: the proof GDPR asks for.
    `customer.do_not_email` mirrors the latest one."""

    __tablename__ = "marketing_consent"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    granted: Mapped[bool] = mapped_column(Boolean)
    # "register", "back_office", "import", "api", "customer_request".
    source: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


def customer_search_text(customer: Customer) -> str:
    # A number is found as typed ("06 12 34") and as its digits ("061234").
    numbers = [n for n in (customer.phone, customer.mobile) if n]
    digits = [*numbers, *("".join(c for c in n if c.isdigit()) for n in numbers)]
    parts = (
        customer.first_name,
        customer.last_name,
        customer.customer_code,
        customer.company_name,
        customer.email,
        *digits,
    )
    return fold(" ".join(p for p in parts if p))


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _fold_search_text(_mapper: object, _connection: object, customer: Customer) -> None:
    customer.search_text = customer_search_text(customer)
