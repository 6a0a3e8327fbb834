"""A supplier return's credit note: the document (plain values, so it travels in the outbox
as JSON and the email handler needs no database) and its A4 PDF (reportlab)."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Supplier
from comptoir.core import i18n
from comptoir.inventory.consignments.common import lines_of, products_by_id
from comptoir.inventory.consignments.models import Consignment
from comptoir.store.models import Outlet, Retailer

CENTS = Decimal("0.01")


@dataclass
class CreditNoteLine:
    name: str
    sku: str
    quantity: str
    unit_cost: str
    total: str


@dataclass
class CreditNote:
    """What the credit note shows, amounts as decimal strings (exact in JSON)."""

    store: str
    reference: str
    date: str  # ISO date the return was sent (or created, before it is sent)
    supplier: str
    supplier_address: list[str]
    outlet: str
    outlet_address: list[str]
    reason: str
    note: str | None
    currency: str
    lines: list[CreditNoteLine]
    total_quantity: str
    total: str


def retailer_of(session: Session) -> Retailer:
    """The store (read here: inventory does not import store.service, which knows sales)."""
    return session.scalars(select(Retailer)).one()


def _address(*parts: str | None) -> list[str]:
    return [part for part in parts if part]


def _supplier_address(supplier: Supplier | None) -> list[str]:
    if supplier is None:
        return []
    town = " ".join(p for p in (supplier.physical_postcode, supplier.physical_city) if p)
    return _address(
        supplier.company_name,
        supplier.physical_address_1,
        supplier.physical_address_2,
        town,
        supplier.email,
    )


def build_credit_note(session: Session, consignment: Consignment) -> CreditNote:
    retailer = retailer_of(session)
    outlet = session.get(Outlet, consignment.outlet_id)
    assert outlet is not None  # a foreign key
    supplier = session.get(Supplier, consignment.supplier_id) if consignment.supplier_id else None
    lines = [line for line in lines_of(session, consignment.id).values() if (line.count or 0) > 0]
    products = products_by_id(session, [line.product_id for line in lines]) if lines else {}
    rows = []
    total = quantity = Decimal(0)
    for line in sorted(lines, key=lambda row: (products[row.product_id].name, row.product_id.int)):
        count = line.count or Decimal(0)
        cost = line.cost or Decimal(0)
        amount = (count * cost).quantize(CENTS, rounding=ROUND_HALF_UP)
        product = products[line.product_id]
        rows.append(
            CreditNoteLine(product.name, product.sku or "", str(count), str(cost), str(amount))
        )
        total += amount
        quantity += count
    moment = consignment.sent_at or consignment.created_at
    return CreditNote(
        store=retailer.name,
        reference=consignment.reference or str(consignment.id)[:8].upper(),
        date=moment.date().isoformat(),
        supplier=supplier.name if supplier else "",
        supplier_address=_supplier_address(supplier),
        outlet=outlet.name,
        outlet_address=_address(
            outlet.physical_address_1,
            " ".join(p for p in (outlet.physical_postcode, outlet.physical_city) if p),
            outlet.email,
        ),
        reason=consignment.reason or "",
        note=consignment.name,
        currency=retailer.currency,
        lines=rows,
        total_quantity=str(quantity),
        total=str(total),
    )


def credit_note_to_json(note: CreditNote) -> dict[str, Any]:
    return asdict(note)


def credit_note_from_json(data: dict[str, Any]) -> CreditNote:
    values = dict(data)
    values["lines"] = [CreditNoteLine(**line) for line in data["lines"]]
    return CreditNote(**values)


def render_credit_note(note: CreditNote) -> bytes:
    """The credit note on A4, in the current locale."""
    _ = i18n.gettext_

    def money(amount: Decimal, currency: str) -> str:
        # Babel's French thousands separator (U+202F) is not in the PDF's standard fonts.
        return i18n.format_money(amount, currency).replace("\u202f", "\xa0")

    styles = getSampleStyleSheet()
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=_("Credit note request")
    )

    def text(value: str, style: str = "Normal") -> Paragraph:
        # Names and reasons are typed by people: never read as reportlab's markup.
        return Paragraph(escape(value), styles[style])

    def block(values: list[str]) -> Paragraph:
        return Paragraph("<br/>".join(escape(v) for v in values), styles["Normal"])

    parties = Table(
        [
            [text(_("Supplier"), "Heading4"), text(_("Returned from"), "Heading4")],
            [
                block([note.supplier, *note.supplier_address]),
                block([note.outlet, *note.outlet_address]),
            ],
        ],
        hAlign="LEFT",
        colWidths=[85 * mm, 85 * mm],
    )
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    header = [_("Product"), _("SKU"), _("Quantity"), _("Unit cost"), _("Total")]
    rows: list[list[Any]] = [header]
    for line in note.lines:
        rows.append(
            [
                text(line.name),
                line.sku,
                i18n.format_number(Decimal(line.quantity)).replace("\u202f", "\xa0"),
                money(Decimal(line.unit_cost), note.currency),
                money(Decimal(line.total), note.currency),
            ]
        )
    rows.append(
        [
            _("Total"),
            "",
            i18n.format_number(Decimal(note.total_quantity)),
            "",
            money(Decimal(note.total), note.currency),
        ]
    )
    table = Table(rows, hAlign="LEFT", colWidths=[70 * mm, 30 * mm, 20 * mm, 27 * mm, 27 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story: list[Any] = [
        text(note.store, "Title"),
        text(_("Credit note request %(reference)s") % {"reference": note.reference}, "Heading2"),
        text(_("Date: %(date)s") % {"date": note.date}),
        text(_("Reason for the return: %(reason)s") % {"reason": note.reason}),
        Spacer(1, 4 * mm),
        parties,
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
        text(
            _("Please credit our account with %(total)s for the goods returned above.")
            % {"total": money(Decimal(note.total), note.currency)}
        ),
    ]
    if note.note:
        story.append(text(note.note))
    pdf.build(story)
    return out.getvalue()
