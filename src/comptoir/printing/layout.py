"""A receipt laid out in fixed-width text rows, for the media that print characters in a grid:
receipt printers (ESC/POS, Star Line Mode) and the PDF. 80 mm paper holds 48 characters of the
printers' standard font per row, 58 mm paper 32. Labels are translated in the current locale
(the caller sets the store's)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from comptoir.core import i18n
from comptoir.core.i18n import gettext_ as _
from comptoir.printing.receipt import ReceiptDocument, ReceiptLine

COLUMNS = {80: 48, 58: 32}
Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class TextRow:
    text: str
    align: Align = "left"
    bold: bool = False
    big: bool = False  # double width and height: the total


@dataclass(frozen=True)
class BarcodeRow:
    data: str  # Code 128


@dataclass(frozen=True)
class LogoRow:
    image: bytes


Row = TextRow | BarcodeRow | LogoRow


def columns_for(paper_width: int) -> int:
    return COLUMNS.get(paper_width, COLUMNS[80])


def clean_text(value: str) -> str:
    """Spaces a printer knows: Babel's narrow and non-breaking spaces become plain ones."""
    return value.replace("\u202f", " ").replace("\xa0", " ").replace("\t", " ")


def wrapped(text: str, width: int) -> list[str]:
    """`text` in rows of at most `width` characters, its own line breaks kept."""
    rows: list[str] = []
    for paragraph in clean_text(text).splitlines() or [""]:
        rows.extend(textwrap.wrap(paragraph, width, break_long_words=True) or [""])
    return rows


def two_columns(left: str, right: str, width: int) -> list[str]:
    """`left` wrapped, `right` flush right on its last row (or a row of its own)."""
    left_rows = wrapped(left, width)
    right = clean_text(right)
    last = left_rows[-1]
    if len(last) + 1 + len(right) <= width:
        left_rows[-1] = last + " " * (width - len(last) - len(right)) + right
    else:
        left_rows.append(right.rjust(width))
    return left_rows


def _money(doc: ReceiptDocument, amount: Decimal) -> str:
    return clean_text(i18n.format_money(amount, doc.currency))


def _head(doc: ReceiptDocument, width: int) -> list[Row]:
    texts = doc.texts
    rows: list[Row] = []
    if texts.logo:
        rows.append(LogoRow(texts.logo))
    rows.extend(TextRow(t, "center", bold=True) for t in wrapped(doc.store_name, width))
    if doc.fiscal is not None and doc.fiscal.duplicate is not None:
        rows.append(TextRow(duplicate_label(doc.fiscal.duplicate), "center", bold=True))
    for block in (texts.header, doc.outlet_name, *doc.outlet_address):
        if block:
            rows.extend(TextRow(t, "center") for t in wrapped(block, width))
    rows.append(TextRow(""))
    rows.append(TextRow(f"{_('Receipt')} {doc.invoice_number}", bold=True))
    rows.append(TextRow(clean_text(i18n.format_datetime(doc.sale_date, doc.time_zone))))
    served = f"{_('Served by')} {doc.seller_name} · {doc.register_name}"
    rows.extend(TextRow(t) for t in wrapped(served, width))
    if doc.original_invoice_number:
        rows.append(TextRow(f"{_('Return for receipt')} {doc.original_invoice_number}"))
    rows.append(TextRow("-" * width))
    return rows


def _line_rows(doc: ReceiptDocument, line: ReceiptLine, width: int) -> list[Row]:
    name = line.name
    if line.is_return:
        name += f" ({_('returned')}{': ' + line.return_reason if line.return_reason else ''})"
    rows: list[Row] = [TextRow(t) for t in two_columns(name, _money(doc, line.amount), width)]
    quantity = clean_text(i18n.format_number(line.quantity))
    rows.append(TextRow(f"  {quantity} x {_money(doc, line.unit_price)}"))
    if line.discount:
        label = _("Discount")
        if line.discount_percent:
            label += f" {clean_text(i18n.format_number(line.discount_percent))} %"
        rows.extend(
            TextRow(t) for t in two_columns(f"  {label}", "-" + _money(doc, line.discount), width)
        )
    if line.note:
        rows.extend(TextRow(t) for t in wrapped(f"  {line.note}", width))
    return rows


def _totals(doc: ReceiptDocument, width: int) -> list[Row]:
    def pair(label: str, amount: Decimal, *, bold: bool = False) -> list[Row]:
        return [TextRow(t, bold=bold) for t in two_columns(label, _money(doc, amount), width)]

    rows: list[Row] = [TextRow("-" * width)]
    rows += pair(_("Total excl. tax"), doc.total_excluding_tax)
    for tax in doc.taxes:
        rows += pair(tax.name, tax.amount)
    rows += pair(_("Total tax"), doc.total_tax)
    if doc.total_discount:
        discount = "-" + _money(doc, doc.total_discount)
        rows += [TextRow(t) for t in two_columns(_("Total discount"), discount, width)]
    total = f"{_('Total')} {_money(doc, doc.total)}"
    rows.append(TextRow(total, "right", bold=True, big=len(total) * 2 <= width))
    if doc.rounding:
        rows += pair(_("Cash rounding"), doc.rounding)
        rows += pair(_("To pay"), doc.to_pay, bold=True)
    for tender in doc.tenders:
        rows += pair(tender.name, tender.amount)
    for refund in doc.refunds:
        rows += pair(f"{_('Refunded')}: {refund.name}", refund.amount)
    if doc.change > 0:
        rows += pair(_("Change"), doc.change, bold=True)
    if doc.credit_left is not None:
        rows += pair(_("Store credit left"), doc.credit_left)
    return rows


def _foot(doc: ReceiptDocument, width: int) -> list[Row]:
    texts = doc.texts
    rows: list[Row] = [TextRow(""), BarcodeRow(doc.invoice_number)]
    for block in (texts.return_policy, texts.footer or _("Thank you for your visit!")):
        if block:
            rows.append(TextRow(""))
            rows.extend(TextRow(t, "center") for t in wrapped(block, width))
    legal = [texts.company_name, texts.address]
    if texts.siret:
        legal.append(f"SIRET {texts.siret}")
    if texts.vat_number:
        legal.append(f"{_('VAT number')} {texts.vat_number}")
    if any(legal):
        rows.append(TextRow(""))
    for block in legal:
        if block:
            rows.extend(TextRow(t, "center") for t in wrapped(block, width))
    if doc.fiscal is not None:
        rows.append(TextRow(""))
        rows.extend(TextRow(t, "center") for t in fiscal_lines(doc))
    return rows


def duplicate_label(number: int) -> str:
    return _("DUPLICATA n°%(number)s") % {"number": number}


def fiscal_lines(doc: ReceiptDocument) -> list[str]:
    """The fiscal journal's mark: the entry's number, its time, the software and the start
    of the entry's signature (the page and the email show the same)."""
    mark = doc.fiscal
    if mark is None:
        return []
    recorded = clean_text(i18n.format_datetime(mark.recorded_at, doc.time_zone))
    return [
        _("Journal no. %(sequence)s") % {"sequence": mark.sequence} + f" · {recorded}",
        f"{mark.software} · {_('Signature')} {mark.signature_start}",
    ]


def lay_out(doc: ReceiptDocument) -> list[Row]:
    """The receipt's rows for its template's paper width."""
    width = columns_for(doc.texts.paper_width)
    rows = _head(doc, width)
    for line in doc.lines:
        rows += _line_rows(doc, line, width)
    return rows + _totals(doc, width) + _foot(doc, width)
