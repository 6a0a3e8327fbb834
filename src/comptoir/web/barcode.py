"""Code 128 barcodes as inline SVG, drawn on the server by reportlab (no script, no CDN)."""

from __future__ import annotations

from markupsafe import Markup
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode import createBarcodeDrawing


def code128_svg(value: str, *, bar_height: float = 36) -> Markup:
    """The value as a Code 128 barcode, an <svg> element to inline in a page."""
    drawing = createBarcodeDrawing(
        "Code128", value=value, barHeight=bar_height, humanReadable=False, quiet=True
    )
    svg = renderSVG.drawToString(drawing)
    start = svg.find("<svg")
    return Markup(svg[start:])  # noqa: S704 (reportlab's own drawing of a checked value)
