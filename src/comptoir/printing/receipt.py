"""One receipt model for every medium: the browser page, the printer's bytes, the PDF and the
email are all drawn from a `ReceiptDocument`, built once from a recorded sale and its outlet's
receipt template. Plain data: nothing here renders."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir import __version__
from comptoir.core.errors import NotFound
from comptoir.core.money import ZERO
from comptoir.customers import service as customers
from comptoir.fiscal import records as fiscal
from comptoir.printing.config import TemplateFields
from comptoir.printing.models import ReceiptTemplate
from comptoir.sales import receipts, return_lookup
from comptoir.sales.models import Sale
from comptoir.store.models import Outlet, PaymentKind


@dataclass(frozen=True, kw_only=True)
class ReceiptLine:
    name: str
    quantity: Decimal
    unit_price: Decimal  # as the store shows prices: with or without tax
    amount: Decimal
    discount: Decimal  # the line's discount in the store's mode (0: none)
    discount_percent: Decimal | None
    note: str | None
    is_return: bool
    return_reason: str | None
    restocked: bool


@dataclass(frozen=True, kw_only=True)
class TaxLine:
    name: str
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class Tender:
    name: str
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class ReceiptTexts(TemplateFields):
    """The outlet's template (all optional), its paper width in millimetres and its logo."""

    logo: bytes | None = None
    logo_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class FiscalMark:
    """The fiscal journal's entry the receipt stands for (the sale's, or a reprint's)."""

    sequence: int  # in the register's chain
    recorded_at: datetime
    signature_start: str  # the first 8 characters of the entry's signature
    duplicate: int | None  # "DUPLICATA n°k" on the k-th reprint
    software: str = f"Comptoir {__version__}"


@dataclass(frozen=True, kw_only=True)
class ReceiptDocument:
    sale_id: uuid.UUID
    invoice_number: str  # also the Code 128 barcode's data, scanned for returns
    sale_date: datetime
    time_zone: str
    currency: str
    tax_exclusive: bool
    store_name: str
    outlet_name: str
    outlet_address: tuple[str, ...]
    register_id: uuid.UUID
    register_name: str
    seller_name: str
    lines: tuple[ReceiptLine, ...]
    taxes: tuple[TaxLine, ...]
    total_excluding_tax: Decimal
    total_tax: Decimal
    total_discount: Decimal
    total: Decimal
    rounding: Decimal
    to_pay: Decimal
    tenders: tuple[Tender, ...]
    refunds: tuple[Tender, ...]
    change: Decimal
    credit_left: Decimal | None
    is_return: bool
    original_invoice_number: str | None
    paid_in_cash: bool  # a cash sale's receipt kicks the drawer open
    customer_id: uuid.UUID | None
    texts: ReceiptTexts
    # None for a sale recorded before the journal existed.
    fiscal: FiscalMark | None = None


def outlet_address(outlet: Outlet) -> tuple[str, ...]:
    city = " ".join(p for p in (outlet.physical_postcode, outlet.physical_city) if p)
    parts = (outlet.physical_address_1, outlet.physical_address_2, city)
    return tuple(p for p in parts if p)


def receipt_texts(session: Session, *, outlet_id: uuid.UUID) -> ReceiptTexts:
    template = session.get(ReceiptTemplate, outlet_id)
    if template is None:
        return ReceiptTexts()
    return ReceiptTexts(
        header=template.header,
        footer=template.footer,
        company_name=template.company_name,
        address=template.address,
        siret=template.siret,
        vat_number=template.vat_number,
        return_policy=template.return_policy,
        paper_width=template.paper_width,
        logo=template.logo,
        logo_type=template.logo_type,
    )


def _lines(found: receipts.Receipt) -> tuple[ReceiptLine, ...]:
    sale = found.sale
    return tuple(
        ReceiptLine(
            name=line.name,
            quantity=line.quantity,
            unit_price=line.price if sale.tax_exclusive else line.price_including_tax,
            amount=line.price_total if sale.tax_exclusive else line.total,
            discount=found.discounts.get(line.id, ZERO),
            discount_percent=line.discount_percent,
            note=line.note,
            is_return=line.is_return,
            return_reason=line.return_reason,
            restocked=line.restock,
        )
        for line in sale.lines
    )


def _credit_left(session: Session, sale: Sale) -> Decimal | None:
    if sale.customer_id is None or not any(
        p.type_id == PaymentKind.STORE_CREDIT for p in sale.payments
    ):
        return None
    return customers.get_customer(session, customer_id=sale.customer_id).store_credit_balance


def fiscal_mark(session: Session, *, sale: Sale, duplicate: int | None) -> FiscalMark | None:
    stamp = fiscal.receipt_stamp(session, sale=sale, duplicate=duplicate)
    if stamp is None:
        if duplicate is not None:
            raise NotFound("no such duplicate of this receipt", duplicate=duplicate)
        return None
    return FiscalMark(
        sequence=stamp.sequence,
        recorded_at=stamp.recorded_at,
        signature_start=stamp.signature_start,
        duplicate=stamp.duplicate,
    )


def build_receipt(
    session: Session, *, sale_id: uuid.UUID, duplicate: int | None = None
) -> ReceiptDocument:
    """The receipt of a recorded sale (NotFound if there is none); `duplicate`: its k-th
    reprint as the fiscal journal recorded it (NotFound if it did not)."""
    found = receipts.receipt_of(session, sale_id=sale_id)
    sale = found.sale
    is_return = sale.return_for is not None or any(line.quantity < 0 for line in sale.lines)
    original = return_lookup.original_of(session, sale=sale)
    negative = [Tender(name=p.name, amount=-p.amount) for p in sale.payments if p.amount < 0]
    return ReceiptDocument(
        sale_id=sale.id,
        invoice_number=sale.invoice_number,
        sale_date=sale.sale_date,
        time_zone=found.outlet.time_zone,
        currency=sale.currency,
        tax_exclusive=sale.tax_exclusive,
        store_name=found.retailer.name,
        outlet_name=found.outlet.name,
        outlet_address=outlet_address(found.outlet),
        register_id=found.register.id,
        register_name=found.register.name,
        seller_name=found.seller.display_name,
        lines=_lines(found),
        taxes=tuple(TaxLine(name=t.name, rate=t.rate, amount=t.amount) for t in found.taxes),
        total_excluding_tax=sale.total_price,
        total_tax=sale.total_tax,
        total_discount=found.total_discount,
        total=sale.total_price_incl,
        rounding=sale.rounding_adjustment,
        to_pay=sale.total_price_incl + sale.rounding_adjustment,
        tenders=tuple(Tender(name=p.name, amount=p.amount) for p in found.tendered),
        refunds=tuple(negative) if is_return else (),
        change=ZERO if is_return else found.change,
        credit_left=_credit_left(session, sale),
        is_return=is_return,
        original_invoice_number=original.invoice_number if original else None,
        paid_in_cash=any(p.type_id == PaymentKind.CASH and p.amount > 0 for p in sale.payments),
        customer_id=sale.customer_id,
        texts=receipt_texts(session, outlet_id=found.outlet.id),
        fiscal=fiscal_mark(session, sale=sale, duplicate=duplicate),
    )


def receipt_logo_url(texts: ReceiptTexts) -> str | None:
    """The logo as a data: URL for the browser receipt (the page's CSP allows data: images)."""
    if not texts.logo or not texts.logo_type:
        return None
    return f"data:{texts.logo_type};base64,{base64.b64encode(texts.logo).decode()}"
