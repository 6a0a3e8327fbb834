"""Hostile .xlsx files, for tests only: zips whose parts inflate to far more than they look.

`zip_bytes` writes a zip by hand so a test controls every header: the sizes and the CRC a
member declares (in its local header and in the central directory) need not match what its
deflate stream inflates to, as in the 3.9 MB upload that inflated to 1.15 GB.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from tests.unit.io.xlsx_raw import CONTENT_TYPES, HEAD, MAIN, ROOT_RELS, WORKBOOK_RELS

STORED, DEFLATED = 0, 8
BLOCK = 1 << 20  # 1 MiB of one repeated byte per deflate block


@dataclass(frozen=True)
class Member:
    name: str
    body: bytes  # as stored in the zip (deflated or not)
    method: int
    crc: int
    declared_size: int  # what the headers say it inflates to


def deflated(data: bytes) -> Member:
    """An honest member: its headers say what it inflates to."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return Member("", packer.compress(data) + packer.flush(), DEFLATED, zlib.crc32(data), len(data))


def repeated(prefix: bytes, byte: bytes, count: int, suffix: bytes) -> tuple[bytes, int, int]:
    """A deflate stream of `prefix + byte * count + suffix`, built from one compressed
    block repeated (a full flush resets the compressor, so each block compresses alike),
    with the real size and CRC of what it inflates to. `count` is a multiple of BLOCK."""
    assert count % BLOCK == 0
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = byte * BLOCK
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    piece = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert piece == again
    tail = packer.compress(suffix) + packer.flush()
    blocks = count // BLOCK
    crc = zlib.crc32(prefix)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    body = head + piece * blocks + tail
    return body, len(prefix) + count + len(suffix), crc


def zip_bytes(members: list[Member]) -> bytes:
    """A zip of `members` exactly as given (no data descriptors, no zip64)."""
    out = bytearray()
    central = bytearray()
    for member in members:
        name = member.name.encode()
        offset = len(out)
        sizes = (member.crc, len(member.body), member.declared_size)
        local = (b"PK\x03\x04", 20, 0, member.method, 0, 0x21, *sizes, len(name), 0)
        out += struct.pack("<4s5H3L2H", *local) + name + member.body
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            member.method,
            0,
            0x21,
            *sizes,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    start = len(out)
    out += central
    out += struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), start, 0
    )
    return bytes(out)


def workbook_parts(strings: Member) -> list[Member]:
    """A one-sheet workbook (A1 = the first shared string) around `strings`."""
    workbook = (
        HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets>'
        '<sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    sheet = (
        HEAD + f'<worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    styles = HEAD + f'<styleSheet xmlns="{MAIN}"></styleSheet>'
    parts = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/styles.xml", styles),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
    members = [_named(deflated(text.encode()), name) for name, text in parts]
    return [*members, _named(strings, "xl/sharedStrings.xml")]


def _named(member: Member, name: str) -> Member:
    return Member(name, member.body, member.method, member.crc, member.declared_size)


STRINGS_HEAD = (HEAD + f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>').encode()


def huge_string_part(inflated: int) -> tuple[bytes, int, int]:
    """The shared strings part holding one string of about `inflated` bytes."""
    return repeated(STRINGS_HEAD, b"A", inflated - inflated % BLOCK, b"</t></si></sst>")


def lying_xlsx(inflated: int, *, declared: int) -> bytes:
    """Its shared strings inflate to `inflated` bytes; its headers say `declared`, with the
    CRC of the first `declared` bytes (a reader that stops there finds nothing wrong)."""
    body, _real_size, _crc = huge_string_part(inflated)
    crc = zlib.crc32(STRINGS_HEAD[:declared])
    block = b"A" * BLOCK
    left = declared - len(STRINGS_HEAD)
    while left > 0:
        crc = zlib.crc32(block[: min(left, BLOCK)], crc)
        left -= BLOCK
    return zip_bytes(workbook_parts(Member("", body, DEFLATED, crc, declared)))


def honest_huge_xlsx(inflated: int) -> bytes:
    """Its shared strings inflate to `inflated` bytes, and its headers say so."""
    body, size, crc = huge_string_part(inflated)
    return zip_bytes(workbook_parts(Member("", body, DEFLATED, crc, size)))
