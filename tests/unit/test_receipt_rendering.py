"""Rendering one receipt model for each medium: fixed-width rows for 80 and 58 mm paper, long
names wrapped, accents in the printer's code page, the PDF and Star Line Mode bytes."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from pypdf import PdfReader

from comptoir.core import i18n
from comptoir.printing.escpos_bytes import escpos_bytes, printable
from comptoir.printing.layout import BarcodeRow, TextRow, lay_out, two_columns, wrapped
from comptoir.printing.pdf import receipt_pdf
from comptoir.printing.receipt import ReceiptDocument, ReceiptLine, ReceiptTexts, TaxLine, Tender
from comptoir.printing.star_line import star_line_bytes

LONG_NAME = "Coffret dégustation de thés verts japonais et chinois, édition limitée d'hiver"


def a_receipt(*, paper_width: int = 80, **changes: object) -> ReceiptDocument:
    values: dict[str, object] = {
        "sale_id": uuid.uuid4(),
        "invoice_number": "MA-42",
        "sale_date": datetime(2026, 3, 1, 10, 30, tzinfo=UTC),
        "time_zone": "Europe/Paris",
        "currency": "EUR",
        "tax_exclusive": False,
        "store_name": "Comptoir Épicerie",
        "outlet_name": "Boutique",
        "outlet_address": ("1 rue de la Paix", "75002 Paris"),
        "register_id": uuid.uuid4(),
        "register_name": "Caisse 1",
        "seller_name": "Zoé",
        "lines": (
            ReceiptLine(
                name=LONG_NAME,
                quantity=Decimal(1),
                unit_price=Decimal("39.00"),
                amount=Decimal("35.10"),
                discount=Decimal("3.90"),
                discount_percent=Decimal(10),
                note=None,
                is_return=False,
                return_reason=None,
                restocked=True,
            ),
            ReceiptLine(
                name="Café crème",
                quantity=Decimal(2),
                unit_price=Decimal("2.45"),
                amount=Decimal("4.90"),
                discount=Decimal(0),
                discount_percent=None,
                note=None,
                is_return=False,
                return_reason=None,
                restocked=True,
            ),
        ),
        "taxes": (
            TaxLine(name="TVA 5,5 %", rate=Decimal("0.055"), amount=Decimal("1.83")),
            TaxLine(name="TVA 20 %", rate=Decimal("0.2"), amount=Decimal("0.82")),
        ),
        "total_excluding_tax": Decimal("37.35"),
        "total_tax": Decimal("2.65"),
        "total_discount": Decimal("3.90"),
        "total": Decimal("40.00"),
        "rounding": Decimal(0),
        "to_pay": Decimal("40.00"),
        "tenders": (Tender(name="Espèces", amount=Decimal("50.00")),),
        "refunds": (),
        "change": Decimal("10.00"),
        "credit_left": None,
        "is_return": False,
        "original_invoice_number": None,
        "paid_in_cash": True,
        "customer_id": None,
        "texts": ReceiptTexts(paper_width=paper_width, siret="73282932000074", footer="À bientôt"),
    }
    values.update(changes)
    return ReceiptDocument(**values)  # type: ignore[arg-type]


def text_rows(doc: ReceiptDocument) -> list[str]:
    return [row.text for row in lay_out(doc) if isinstance(row, TextRow)]


def test_rows_fit_the_paper_48_columns_on_80_mm_and_32_on_58_mm() -> None:
    i18n.set_locale("fr")
    for width, columns in ((80, 48), (58, 32)):
        rows = text_rows(a_receipt(paper_width=width))
        assert max(len(r) for r in rows) == columns
        assert all(len(r) <= columns for r in rows)


def test_a_long_name_wraps_and_its_amount_stays_flush_right() -> None:
    i18n.set_locale("fr")
    rows = text_rows(a_receipt(paper_width=58))
    first = rows.index(next(r for r in rows if r.startswith("Coffret")))
    name_rows = rows[first : first + 3]
    assert " ".join(r.strip() for r in name_rows).startswith("Coffret dégustation de thés")
    assert any(r.endswith("35,10 €") and len(r) == 32 for r in name_rows)
    assert two_columns("Thé", "1,00 €", 16) == ["Thé       1,00 €"]
    assert wrapped("a b c", 3) == ["a b", "c"]


def test_the_receipt_has_its_discounts_taxes_change_barcode_and_legal_mentions() -> None:
    i18n.set_locale("en")
    doc = a_receipt()
    rows = lay_out(doc)
    text = "\n".join(r.text for r in rows if isinstance(r, TextRow))
    for expected in ("Discount 10 %", "TVA 5,5 %", "TVA 20 %", "Change", "SIRET 73282932000074"):
        assert expected in text
    assert "À bientôt" in text and "Receipt MA-42" in text
    assert BarcodeRow("MA-42") in rows


def test_accents_are_encoded_in_code_page_858_and_unknown_characters_degrade() -> None:
    i18n.set_locale("fr")
    data = escpos_bytes(lay_out(a_receipt()), paper_width=80, kick_drawer=False)
    assert b"\x1bt\x13" in data  # ESC t 19: code page 858
    assert "Café crème".encode("cp858") in data and "€".encode("cp858") in data
    assert b"\x1bp" not in data  # no drawer kick asked for
    assert printable("Žofie ☕ ó") == "Zofie ? ó"  # ó is in the code page, Ž is not


def test_star_line_mode_sets_its_code_page_cuts_and_kicks_the_drawer() -> None:
    i18n.set_locale("fr")
    data = star_line_bytes(lay_out(a_receipt()), kick_drawer=True)
    assert data.startswith(b"\x1b@\x1b\x1dt\x04")
    assert "Café crème".encode("cp858") in data
    assert b"\x1bb6" in data and b"MA-42\x1e" in data  # Code 128, then RS
    assert data.endswith(b"\x1bd\x03\x07")


def test_the_pdf_is_as_wide_as_the_paper_and_holds_the_receipt() -> None:
    i18n.set_locale("fr")
    for width in (80, 58):
        doc = a_receipt(paper_width=width)
        reader = PdfReader(io.BytesIO(receipt_pdf(doc, lay_out(doc))))
        page = reader.pages[0]
        assert round(float(page.mediabox.width) / 72 * 25.4) == width
        text = page.extract_text()
        assert "MA-42" in text and "Café crème" in text


def test_the_logo_prints_as_a_raster_image_and_shows_in_the_pdf() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 100), "black").save(buffer, format="PNG")
    texts = ReceiptTexts(paper_width=58, logo=buffer.getvalue(), logo_type="image/png")
    doc = a_receipt(texts=texts)
    data = escpos_bytes(lay_out(doc), paper_width=58, kick_drawer=False)
    raster = data.index(b"\x1dv0")  # GS v 0: a raster bit image
    width_bytes = data[raster + 4] + 256 * data[raster + 5]
    assert width_bytes * 8 <= 384  # scaled down to 58 mm paper's printable dots
    reader = PdfReader(io.BytesIO(receipt_pdf(doc, lay_out(doc))))
    assert reader.pages[0].images  # the logo is drawn
