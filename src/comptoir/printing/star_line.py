"""A receipt in Star Line Mode, the native command set of Star receipt printers (TSP100,
TSP650, mC-Print...) when they are not set to ESC/POS emulation. python-escpos does not speak
it, so its few commands are written here, from Star Micronics' "Star Line Mode Command
Specifications" manual (sections: initialisation, character code table, alignment,
emphasis, expansion, barcode, auto cutter, external device drive):

    ESC @            1B 40           initialise the printer
    ESC GS t n       1B 1D 74 n      code page; n = 4 is code page 858 (Latin-1 and euro)
    ESC GS a n       1B 1D 61 n      alignment: 0 left, 1 centre, 2 right
    ESC E / ESC F    1B 45 / 1B 46   emphasised (bold) on / off
    ESC i n1 n2      1B 69 n1 n2     expansion: n1 height, n2 width (0 normal, 1 double)
    ESC b n1..n4 d RS                barcode: n1 "6" Code 128, n2 "2" text under the bars
                                     then a line feed, n3 "2" module width, n4 height in dots,
                                     the data, RS (1E)
    ESC d n          1B 64 n         cut: n = 3 feeds to the cutter then cuts partially
    BEL              07              drive external device 1: the cash drawer

The logo is not printed in Line Mode (raster graphics need Star's own image commands).
"""

from __future__ import annotations

from comptoir.printing.escpos_bytes import printable
from comptoir.printing.layout import BarcodeRow, Row, TextRow

ESC, GS, LF, RS, BEL = b"\x1b", b"\x1d", b"\n", b"\x1e", b"\x07"
INITIALISE = ESC + b"@"
CODE_PAGE_858 = ESC + GS + b"t\x04"
BOLD_ON, BOLD_OFF = ESC + b"E", ESC + b"F"
PARTIAL_CUT = ESC + b"d\x03"
DRAWER_KICK = BEL
ALIGN = {"left": 0, "center": 1, "right": 2}


def _align(where: str) -> bytes:
    return ESC + GS + b"a" + bytes([ALIGN[where]])


def _expand(big: bool) -> bytes:
    size = 1 if big else 0
    return ESC + b"i" + bytes([size, size])


def _barcode(data: str) -> bytes:
    return ESC + b"b" + b"6" + b"2" + b"2" + bytes([80]) + data.encode("ascii", "replace") + RS


def star_line_bytes(rows: list[Row], *, kick_drawer: bool) -> bytes:
    out = bytearray(INITIALISE + CODE_PAGE_858)
    for row in rows:
        if isinstance(row, TextRow):
            out += _align(row.align) + (BOLD_ON if row.bold else BOLD_OFF) + _expand(row.big)
            out += printable(row.text).encode("cp858") + LF
        elif isinstance(row, BarcodeRow):
            out += _align("center") + BOLD_OFF + _expand(False) + _barcode(row.data)
    out += _align("left") + BOLD_OFF + _expand(False) + PARTIAL_CUT
    if kick_drawer:
        out += DRAWER_KICK
    return bytes(out)


def star_drawer_kick_bytes() -> bytes:
    return DRAWER_KICK
