"""A purchase order as the supplier receives it: a document of plain values (it travels in
the outbox as JSON: the email handler has no database) and its A4 PDF (reportlab)."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, Supplier
from comptoir.core import i18n
from comptoir.inventory.consignments import common
from comptoir.inventory.consignments.models import Consignment
from comptoir.inventory.consignments.store_refs import outlet_of, retailer_of


@dataclass
class OrderLine:
    name: str
    sku: str
    supplier_code: str
    quantity: str
    cost: str
    total: str


@dataclass
class OrderDocument:
    store: str
    outlet: str
    # The delivery address: the outlet's.
    deliver_to: list[str]
    supplier: str
    supplier_details: list[str]
    reference: str
    note: str | None
    order_date: str  # ISO date in the outlet's time zone
    due_date: str | None
    currency: str
    total: str
    lines: list[OrderLine] = field(default_factory=list)


def _local_date(moment: datetime | None, time_zone: str) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(ZoneInfo(time_zone)).date().isoformat()


def build_order_document(session: Session, *, consignment: Consignment) -> OrderDocument:
    retailer = retailer_of(session)
    outlet = outlet_of(session, consignment.outlet_id)
    supplier = session.get(Supplier, consignment.supplier_id) if consignment.supplier_id else None
    lines = [line for line in common.lines_of(session, consignment.id).values() if line.count]
    wanted = [line.product_id for line in lines]
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}
    rows: list[OrderLine] = []
    total = Decimal(0)
    for line in sorted(
        lines, key=lambda x: (products[x.product_id].variant_name, x.product_id.int)
    ):
        product = products[line.product_id]
        count = line.count or Decimal(0)
        cost = line.cost or Decimal(0)
        total += count * cost
        rows.append(
            OrderLine(
                name=product.variant_name,
                sku=product.sku,
                supplier_code=product.supplier_code or "",
                quantity=str(count),
                cost=str(cost),
                total=str(count * cost),
            )
        )
    details: list[str] = []
    if supplier is not None:
        contact = " ".join(x for x in (supplier.first_name, supplier.last_name) if x)
        city = " ".join(x for x in (supplier.physical_postcode, supplier.physical_city) if x)
        details = [
            x
            for x in (
                supplier.company_name,
                contact,
                supplier.physical_address_1,
                supplier.physical_address_2,
                city,
                supplier.email,
                supplier.phone,
            )
            if x
        ]
    outlet_city = " ".join(x for x in (outlet.physical_postcode, outlet.physical_city) if x)
    return OrderDocument(
        store=retailer.name,
        outlet=outlet.name,
        deliver_to=[
            x
            for x in (
                outlet.name,
                outlet.physical_address_1,
                outlet.physical_address_2,
                outlet_city,
            )
            if x
        ],
        supplier=supplier.name if supplier is not None else "",
        supplier_details=details,
        reference=consignment.reference or "",
        note=consignment.name,
        order_date=_local_date(consignment.consignment_date, outlet.time_zone) or "",
        due_date=_local_date(consignment.due_at, outlet.time_zone),
        currency=retailer.currency,
        total=str(total),
        lines=rows,
    )


def document_to_json(document: OrderDocument) -> dict[str, Any]:
    return asdict(document)


def document_from_json(data: dict[str, Any]) -> OrderDocument:
    values = dict(data)
    values["lines"] = [OrderLine(**line) for line in data["lines"]]
    return OrderDocument(**values)


def _date(text: str | None) -> str:
    return format_date(date.fromisoformat(text), locale=i18n.get_locale()) if text else ""


def render_order_pdf(document: OrderDocument) -> bytes:
    """The order on A4, in the current locale."""
    _ = i18n.gettext_
    styles = getSampleStyleSheet()

    def money(value: str) -> str:
        return i18n.format_money(Decimal(value), document.currency)

    def text(value: str) -> Paragraph:
        return Paragraph(escape(value), styles["Normal"])

    out = io.BytesIO()
    title = _("Purchase order %(number)s") % {"number": document.reference}
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=title)
    story: list[Any] = [
        Paragraph(escape(document.store), styles["Title"]),
        Paragraph(escape(title), styles["Heading2"]),
    ]

    def block(lines: list[str]) -> Paragraph:
        return Paragraph("<br/>".join(escape(x) for x in lines), styles["Normal"])

    header = [
        [text(_("Supplier")), text(_("Deliver to"))],
        [block([document.supplier, *document.supplier_details]), block(document.deliver_to)],
    ]
    story += [Table(header, hAlign="LEFT", colWidths=[85 * mm, 85 * mm]), Spacer(1, 4 * mm)]
    dates = [(_("Order date"), _date(document.order_date))]
    if document.due_date:
        dates.append((_("Expected delivery"), _date(document.due_date)))
    story += [Table([list(d) for d in dates], hAlign="LEFT"), Spacer(1, 4 * mm)]
    rows: list[list[Any]] = [
        [_("Product"), _("SKU"), _("Supplier code"), _("Quantity"), _("Unit cost"), _("Total")]
    ]
    for line in document.lines:
        rows.append(
            [
                text(line.name),
                line.sku,
                line.supplier_code,
                i18n.format_number(Decimal(line.quantity)),
                money(line.cost),
                money(line.total),
            ]
        )
    rows.append(["", "", "", "", _("Total"), money(document.total)])
    widths = [60 * mm, 25 * mm, 25 * mm, 18 * mm, 22 * mm, 24 * mm]
    table = Table(rows, hAlign="LEFT", colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    story.append(table)
    if document.note:
        story += [Spacer(1, 4 * mm), Paragraph(escape(document.note), styles["Normal"])]
    pdf.build(story)
    return out.getvalue()
