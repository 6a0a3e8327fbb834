"""A hand-written .xlsx, for tests only: the sheet XML exactly as given.

openpyxl writes the usual form only; the reader must also cope with what other programs
write (error cells, cached formula results, cells without `r`, namespace prefixes, rich text,
the 1904 date system). `xlsx_bytes` wraps a `<sheetData>` body in a minimal, valid package.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = (
    HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    HEAD + f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    HEAD + f'<Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def _styles(formats: list[tuple[int, str | None]]) -> str:
    custom = [(i, code) for i, code in formats if code is not None]
    num_fmts = ""
    if custom:
        num_fmts = f'<numFmts count="{len(custom)}">' + "".join(
            f"<numFmt numFmtId={quoteattr(str(i))} formatCode={quoteattr(code)}/>"
            for i, code in custom
        )
        num_fmts += "</numFmts>"
    xfs = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' + "".join(
        f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for i, _ in formats
    )
    return (
        HEAD + f'<styleSheet xmlns="{MAIN}">{num_fmts}'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(formats) + 1}">{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def xlsx_bytes(
    sheet_data: str,
    *,
    shared_strings: tuple[str, ...] = (),
    formats: tuple[tuple[int, str | None], ...] = (),
    date1904: bool = False,
    sheet_xml: str | None = None,
) -> bytes:
    """One sheet whose `<sheetData>` holds `sheet_data`; cell style `s="i"` (i >= 1) uses
    `formats[i - 1]` (numFmtId, formatCode or None for a built-in format). `sheet_xml`
    replaces the whole worksheet part (for namespace prefixes)."""
    workbook = (
        HEAD
        + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        + ('<workbookPr date1904="1"/>' if date1904 else "")
        + '<sheets><sheet name="Products" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    worksheet = sheet_xml or (
        HEAD + f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>'
    )
    strings = (
        HEAD + f'<sst xmlns="{MAIN}" count="{len(shared_strings)}" '
        f'uniqueCount="{len(shared_strings)}">' + "".join(shared_strings) + "</sst>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _styles(list(formats)))
        archive.writestr("xl/sharedStrings.xml", strings)
        archive.writestr("xl/worksheets/sheet1.xml", worksheet)
    return buffer.getvalue()


def inline(ref: str, text: str) -> str:
    """An inline-string cell."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
