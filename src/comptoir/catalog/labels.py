"""PDF barcode labels for Dymo label printers, one label per page.

Pure: takes products (or ready-made `LabelItem`s) and returns PDF bytes; no web imports.
The barcode is EAN-13 when the product's barcode is a valid EAN-13 (check digit verified),
otherwise Code 128 of the barcode, or of the SKU when the product has no barcode.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from comptoir.catalog.models import Product
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import DEFAULT_LOCALE, LOCALES, N_, translations

MAX_LABELS = 1000
EXCLUDING_TAX = N_("excl. tax")


@dataclass(frozen=True)
class LabelSize:
    code: str
    description: str  # marked with N_, translated where shown
    width_mm: float
    height_mm: float

    @property
    def page_size(self) -> tuple[float, float]:
        """Width and height in PDF points (landscape: the label as read)."""
        return (self.width_mm * mm, self.height_mm * mm)


# Common Dymo LabelWriter sizes, in mm, as read (width is the longer side).
LABEL_SIZES: dict[str, LabelSize] = {
    size.code: size
    for size in (
        LabelSize("11352", N_("Return address"), 54, 25),
        LabelSize("11354", N_("Multi-purpose"), 57, 32),
        LabelSize("11355", N_("Multi-purpose, small"), 51, 19),
        LabelSize("99012", N_("Large address"), 89, 36),
    )
}
DEFAULT_SIZE = "11354"


@dataclass(frozen=True)
class Barcode:
    symbology: str  # "EAN13" or "Code128"
    value: str


@dataclass(frozen=True)
class LabelItem:
    name: str
    price: str  # already formatted, with the tax note if any
    barcode: Barcode | None
    quantity: int
    variant: str | None = None


def is_valid_ean13(code: str) -> bool:
    if len(code) != 13 or not code.isascii() or not code.isdigit():
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == digits[12]


def choose_barcode(barcode: str | None, sku: str | None) -> Barcode | None:
    code = (barcode or "").strip()
    if code and is_valid_ean13(code):
        return Barcode("EAN13", code)
    value = code or (sku or "").strip()
    # Code 128 encodes ASCII only; a code outside it is left off the label.
    if not value or not value.isascii() or not value.isprintable():
        return None
    return Barcode("Code128", value)


def get_size(code: str) -> LabelSize:
    size = LABEL_SIZES.get(code)
    if size is None:
        raise InvalidInput(N_("Choose a label size from the list."), field="size")
    return size


def product_item(
    product: Product,
    quantity: int,
    *,
    currency: str,
    tax_exclusive: bool,
    locale: str,
) -> LabelItem:
    """The label of a product: its price as the store displays it, in the store's currency."""
    amount: Decimal = product.price_excluding_tax if tax_exclusive else product.price_including_tax
    price = format_currency(amount, currency, locale=locale)
    if tax_exclusive:
        language = locale if locale in LOCALES else DEFAULT_LOCALE
        price = f"{price} {translations(language).gettext(EXCLUDING_TAX)}"
    return LabelItem(
        name=product.name,
        variant=None,  # products have no variants yet; the label shows one when given
        price=price,
        barcode=choose_barcode(product.barcode, product.sku),
        quantity=quantity,
    )


def check_quantities(items: Sequence[LabelItem]) -> None:
    if not items:
        raise InvalidInput(N_("Choose at least one product to print labels for."))
    for item in items:
        if item.quantity < 1:
            raise InvalidInput(N_("Each quantity of labels must be at least 1."), field="quantity")
    if sum(item.quantity for item in items) > MAX_LABELS:
        raise InvalidInput(
            N_("At most 1000 labels can be printed at once."),
            field="quantity",
            maximum=MAX_LABELS,
        )


def render_labels(items: Sequence[LabelItem], size_code: str) -> bytes:
    """A PDF with one page per label, each page the size of the chosen Dymo label."""
    size = get_size(size_code)
    check_quantities(items)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size.page_size, pageCompression=1)
    canvas.setTitle("Labels")
    canvas.setCreator("Comptoir")
    for item in items:
        for _ in range(item.quantity):
            _draw_label(canvas, item, size)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# Drawing -----------------------------------------------------------------------------------

BOLD = "Helvetica-Bold"
REGULAR = "Helvetica"


def fit_text(
    text: str, font: str, max_size: float, min_size: float, width: float
) -> tuple[str, float]:
    """Shrink the font down to `min_size` to fit `width`, then cut the text with an ellipsis."""
    text = " ".join(text.split())
    size = max_size
    while size > min_size and stringWidth(text, font, size) > width:
        size -= 0.5
    size = max(size, min_size)
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…", size


def _draw_label(canvas: Canvas, item: LabelItem, size: LabelSize) -> None:
    width, height = size.page_size
    margin = 2 * mm
    inner = width - 2 * margin
    y = height - margin
    scale = height / (32 * mm)  # type sizes tuned on the 57x32 mm label

    name, name_size = fit_text(item.name, BOLD, 11 * scale, 6, inner)
    y -= name_size
    canvas.setFont(BOLD, name_size)
    canvas.drawString(margin, y, name)

    if item.variant:
        variant, variant_size = fit_text(item.variant, REGULAR, 8 * scale, 5, inner)
        y -= variant_size + 1
        canvas.setFont(REGULAR, variant_size)
        canvas.drawString(margin, y, variant)

    price, price_size = fit_text(item.price, BOLD, 13 * scale, 7, inner)
    y -= price_size + 1.5
    canvas.setFont(BOLD, price_size)
    canvas.drawString(margin, y, price)

    if item.barcode is not None:
        draw_barcode(canvas, item.barcode, margin, margin, inner, y - margin - 2)


def draw_barcode(
    canvas: Canvas, barcode: Barcode, x: float, y: float, width: float, height: float
) -> None:
    """Bars scaled into the box, with the code in digits underneath."""
    text_size = max(5.0, min(7.0, height * 0.22))
    bars_height = height - text_size - 1
    if bars_height < 4:
        return
    value = barcode.value[:12] if barcode.symbology == "EAN13" else barcode.value
    drawing = createBarcodeDrawing(
        barcode.symbology, value=value, humanReadable=False, quiet=True, barHeight=bars_height
    )
    # The drawing keeps its quiet zones (blank margins scanners need) as it is scaled.
    # Thin bars print badly: keep the natural width when it fits, and never stretch much.
    natural_width = float(drawing.width)
    target_width = min(width, natural_width * 2)
    sx = target_width / natural_width
    sy = bars_height / float(drawing.height)
    left = x + (width - target_width) / 2
    canvas.saveState()
    canvas.translate(left, y + text_size + 1)
    canvas.scale(sx, sy)
    renderPDF.draw(drawing, canvas, 0, 0)
    canvas.restoreState()
    text, text_size = fit_text(barcode.value, REGULAR, text_size, 4, width)
    canvas.setFont(REGULAR, text_size)
    canvas.drawCentredString(x + width / 2, y, text)


def items_from_products(
    products: Iterable[tuple[Product, int]],
    *,
    currency: str,
    tax_exclusive: bool,
    locale: str,
) -> list[LabelItem]:
    return [
        product_item(p, q, currency=currency, tax_exclusive=tax_exclusive, locale=locale)
        for p, q in products
    ]
