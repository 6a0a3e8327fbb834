"""A receipt as a PDF (reportlab): the printer's rows on a page as wide as the paper roll, in a
fixed-width font, with the logo and a Code 128 barcode. Attached to email receipts."""

from __future__ import annotations

import io

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from comptoir.printing.layout import BarcodeRow, LogoRow, Row, TextRow, columns_for
from comptoir.printing.receipt import ReceiptDocument

MARGIN = 4 * mm
BARCODE_HEIGHT = 12 * mm
LOGO_HEIGHT = 18 * mm


def _row_height(row: Row, leading: float) -> float:
    if isinstance(row, BarcodeRow):
        return float(BARCODE_HEIGHT + 2 * leading)
    if isinstance(row, LogoRow):
        return float(LOGO_HEIGHT + leading)
    return leading * (2 if row.big else 1)


def receipt_pdf(doc: ReceiptDocument, rows: list[Row]) -> bytes:
    width = doc.texts.paper_width * mm
    columns = columns_for(doc.texts.paper_width)
    # Courier's characters are 0.6 em wide: the font size that fits the row in the paper.
    size = (width - 2 * MARGIN) / (columns * 0.6)
    leading = size * 1.25
    height = 2 * MARGIN + sum(_row_height(r, leading) for r in rows)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(doc.invoice_number)
    y = height - MARGIN
    for row in rows:
        y -= _row_height(row, leading)
        if isinstance(row, TextRow):
            scale = 2 if row.big else 1
            canvas.setFont("Courier-Bold" if row.bold else "Courier", size * scale)
            x = {"left": MARGIN, "center": width / 2, "right": width - MARGIN}[row.align]
            draw = {
                "left": canvas.drawString,
                "center": canvas.drawCentredString,
                "right": canvas.drawRightString,
            }[row.align]
            draw(x, y + leading * 0.25, row.text)
        elif isinstance(row, BarcodeRow):
            barcode = Code128(row.data, barHeight=BARCODE_HEIGHT, humanReadable=True)
            barcode.drawOn(canvas, (width - barcode.width) / 2, y + leading)
        elif isinstance(row, LogoRow):
            image = ImageReader(io.BytesIO(row.image))
            canvas.drawImage(
                image,
                MARGIN,
                y,
                width=width - 2 * MARGIN,
                height=LOGO_HEIGHT,
                preserveAspectRatio=True,
                anchor="c",
            )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
