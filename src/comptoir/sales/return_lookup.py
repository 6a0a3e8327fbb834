"""Finding what a return needs: a sale by its receipt's invoice number (what a scanner
types from the receipt's barcode), a product by SKU or barcode, what is left to return."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, ProductCode
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.sales.models import Sale, SaleLine


def find_sales_by_invoice(session: Session, *, invoice_number: str, limit: int = 20) -> list[Sale]:
    """Live sales with this invoice number, newest first (the number carries the register's
    prefix, so there is usually one)."""
    wanted = invoice_number.strip()
    if not wanted:
        return []
    return list(
        session.scalars(
            select(Sale)
            .where(Sale.invoice_number == wanted, Sale.deleted_at.is_(None))
            .order_by(Sale.sale_date.desc())
            .limit(limit)
        )
    )


def find_product_by_code(session: Session, *, code: str) -> Product | None:
    """The live product with this SKU or barcode."""
    wanted = code.strip()
    if not wanted:
        return None
    return session.scalars(
        select(Product)
        .outerjoin(ProductCode, ProductCode.product_id == Product.id)
        .where(
            Product.deleted_at.is_(None),
            or_(Product.sku == wanted, ProductCode.code == wanted),
        )
        .limit(1)
    ).first()


def product_by_code(session: Session, *, code: str, field: str) -> Product:
    """The product a return page's `field` names by SKU or barcode; unknown: a clear error."""
    product = find_product_by_code(session, code=code)
    if product is None:
        raise InvalidInput(N_("No product has this SKU or barcode."), field=field, code=code)
    return product


@dataclass(frozen=True, kw_only=True)
class ReturnableLine:
    line: SaleLine
    left: Decimal  # what may still be given back


def returnable_lines(sale: Sale) -> list[ReturnableLine]:
    return [
        ReturnableLine(line=line, left=line.quantity - line.returned_quantity)
        for line in sale.lines
        if line.quantity > 0
    ]


def original_of(session: Session, *, sale: Sale) -> Sale | None:
    return session.get(Sale, sale.return_for) if sale.return_for else None


def sale_ids_by_invoice(session: Session, *, invoice_number: str) -> list[uuid.UUID]:
    return [s.id for s in find_sales_by_invoice(session, invoice_number=invoice_number)]
