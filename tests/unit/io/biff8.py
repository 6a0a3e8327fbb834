"""A minimal .xls (BIFF8 in an OLE2 compound file) writer, for tests only.

xlwt is not available here and no binary fixture is committed: the tests build their .xls
bytes with this helper. It writes one sheet of text (shared strings), numbers (XF 0) and
booleans: enough to exercise the xlrd reading path. The Workbook stream is padded to
4096 bytes so it lives in regular sectors (no mini stream).
"""

from __future__ import annotations

import struct

END, FREE, FAT_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(sheet_type: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, sheet_type, 0x0DBB, 0x07CC, 0, 6))


def _workbook_stream(rows: list[list[object]], sheet_name: str) -> bytes:
    strings: list[str] = []
    index: dict[str, int] = {}
    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                cells += _record(0x0205, struct.pack("<HHHBB", r, c, 0, int(value), 0))
            elif isinstance(value, int | float):
                cells += _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
            else:
                text = str(value)
                if text not in index:
                    index[text] = len(strings)
                    strings.append(text)
                cells += _record(0x00FD, struct.pack("<HHHI", r, c, 0, index[text]))
    width = max((len(row) for row in rows), default=0)
    sheet = (
        _bof(0x0010)
        + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        + cells
        + _record(0x000A, b"")
    )
    sst = struct.pack("<II", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings
    )
    name = sheet_name.encode("latin-1")

    def globals_(offset: int) -> bytes:
        boundsheet = struct.pack("<IBBBB", offset, 0, 0, len(name), 0) + name
        return (
            _bof(0x0005) + _record(0x0085, boundsheet) + _record(0x00FC, sst) + _record(0x000A, b"")
        )

    head = globals_(0)
    return globals_(len(head)) + sheet


def xls_bytes(rows: list[list[object]], sheet_name: str = "Sheet1") -> bytes:
    stream = _workbook_stream(rows, sheet_name)
    stream += b"\x00" * (max(4096, -(-len(stream) // 512) * 512) - len(stream))
    n = len(stream) // 512
    assert n + 2 <= 128, "one FAT sector is enough for this helper"
    fat = [FAT_SECTOR] + [i + 1 for i in range(1, n)] + [END, END]
    fat += [FREE] * (128 - len(fat))
    directory_sector = n + 1

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", FREE, FREE, child)
            + b"\x00" * 16
            + struct.pack("<I", 0)
            + b"\x00" * 16
            + struct.pack("<III", start, size, 0)
        )

    directory = (
        entry("Root Entry", 5, 1, END, 0)
        + entry("Workbook", 2, FREE, 1, len(stream))
        + entry("", 0, FREE, FREE, 0) * 2
    )
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, directory_sector, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREE) * 108
    )
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + stream + directory
