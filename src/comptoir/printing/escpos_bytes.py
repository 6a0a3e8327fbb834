"""A receipt as ESC/POS bytes, built with python-escpos: Epson printers, and Star printers
in their ESC/POS-compatible emulation. Text goes out in code page 858 (Latin-1 with the euro
sign), which Epson and Star both carry; a character it lacks prints without its accent or
as "?"."""

from __future__ import annotations

import io
import unicodedata

from escpos.printer import Dummy
from PIL import Image

from comptoir.printing.layout import BarcodeRow, LogoRow, Row, TextRow

CODE_PAGE = "CP858"
PRINTABLE_DOTS = {80: 512, 58: 384}


def printable(text: str, *, encoding: str = "cp858") -> str:
    """`text` with only characters the code page has (accents dropped where it lacks them)."""
    out = []
    for char in text:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(plain or "?")
        else:
            out.append(char)
    return "".join(out)


def _logo(printer: Dummy, image: bytes, *, paper_width: int) -> None:
    picture = Image.open(io.BytesIO(image)).convert("L")
    widest = PRINTABLE_DOTS.get(paper_width, PRINTABLE_DOTS[80])
    if picture.width > widest:
        picture = picture.resize((widest, max(1, picture.height * widest // picture.width)))
    printer.set(align="center")
    printer.image(picture, center=False)


def escpos_bytes(rows: list[Row], *, paper_width: int, kick_drawer: bool) -> bytes:
    """The printer's bytes: initialise, the rows, a Code 128 barcode, feed and cut, then the
    drawer kick (pin 2) for a cash sale."""
    printer = Dummy()
    printer.hw("INIT")
    printer.charcode(CODE_PAGE)
    for row in rows:
        if isinstance(row, TextRow):
            printer.set(
                align=row.align,
                bold=row.bold,
                double_height=row.big,
                double_width=row.big,
                normal_textsize=not row.big,
            )
            printer.text(printable(row.text) + "\n")
        elif isinstance(row, BarcodeRow):
            printer.set(align="center", bold=False, normal_textsize=True)
            # "{B": Code 128 character set B, which encodes an invoice number's characters.
            # The printer draws it (`_hw_barcode`: `barcode()` would also print a notice on
            # the server's stdout); narrower bars on 58 mm paper.
            printer._hw_barcode(
                "{B" + row.data,
                "CODE128",
                function_type="B",
                pos="BELOW",
                width=2 if paper_width == 58 else 3,
            )
        elif isinstance(row, LogoRow):
            _logo(printer, row.image, paper_width=paper_width)
    printer.set(align="left", bold=False, normal_textsize=True)
    printer.cut(mode="PART", feed=True)
    if kick_drawer:
        printer.cashdraw(2)
    return bytes(printer.output)


def drawer_kick_bytes() -> bytes:
    """Open the drawer wired to the printer (ESC p, pin 2), nothing printed."""
    printer = Dummy()
    printer.cashdraw(2)
    return bytes(printer.output)
