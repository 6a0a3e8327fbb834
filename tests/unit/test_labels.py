"""PDF barcode labels: sizes, page count, barcode choice, prices and bad input."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from comptoir.catalog import labels
from comptoir.catalog.labels import Barcode, LabelItem
from comptoir.core.errors import InvalidInput


def item(quantity: int = 1, **changes: Any) -> LabelItem:
    values: dict[str, Any] = {
        "name": "Théière en fonte",
        "price": "12,00 €",
        "barcode": Barcode("EAN13", "4006381333931"),
        "quantity": quantity,
    }
    values.update(changes)
    return LabelItem(**values)


def pdf_pages(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


@pytest.mark.parametrize(
    ("code", "width_mm", "height_mm"),
    [("11352", 54, 25), ("11354", 57, 32), ("99012", 89, 36), ("11355", 51, 19)],
)
def test_one_page_per_label_at_the_dymo_size(code: str, width_mm: int, height_mm: int) -> None:
    reader = pdf_pages(labels.render_labels([item(2), item(3, name="Tasse")], code))
    assert len(reader.pages) == 5
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(width_mm * mm, abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(height_mm * mm, abs=0.01)


def test_a_label_shows_name_variant_price_and_code() -> None:
    reader = pdf_pages(
        labels.render_labels([item(variant="Rouge / L", price="1 234,50 €")], "99012")
    )
    text = reader.pages[0].extract_text()
    for expected in ("Théière en fonte", "Rouge / L", "1 234,50 €", "4006381333931"):
        assert expected in text


def test_a_long_name_is_shrunk_then_ellipsised_to_fit() -> None:
    text, size = labels.fit_text("Café " * 40, "Helvetica-Bold", 11, 6, 50 * mm)
    assert size == 6
    assert text.endswith("…")
    assert labels.stringWidth(text, "Helvetica-Bold", size) <= 50 * mm
    assert labels.fit_text("Tasse", "Helvetica-Bold", 11, 6, 50 * mm) == ("Tasse", 11)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("4006381333931", True),
        ("5901234123457", True),
        ("4006381333932", False),  # wrong check digit
        ("400638133393", False),  # 12 digits
        ("40063813339310", False),
        ("40063813339a1", False),
        ("٤٠٠٦٣٨١٣٣٣٩٣١", False),  # non-ASCII digits
    ],
)
def test_ean13_check_digit(code: str, valid: bool) -> None:
    assert labels.is_valid_ean13(code) is valid


def test_barcode_is_ean13_when_valid_and_code128_otherwise() -> None:
    assert labels.choose_barcode("4006381333931", "SKU-1") == Barcode("EAN13", "4006381333931")
    assert labels.choose_barcode("4006381333932", "SKU-1") == Barcode("Code128", "4006381333932")
    assert labels.choose_barcode("ABC-42", "SKU-1") == Barcode("Code128", "ABC-42")
    assert labels.choose_barcode(None, "SKU-1") == Barcode("Code128", "SKU-1")
    assert labels.choose_barcode("  ", "SKU-1") == Barcode("Code128", "SKU-1")
    assert labels.choose_barcode(None, "Thé") is None  # not encodable in Code 128


def test_the_chosen_symbology_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[tuple[str, str]] = []
    real = labels.createBarcodeDrawing

    def spy(symbology: str, **kwargs: Any) -> Any:
        drawn.append((symbology, kwargs["value"]))
        return real(symbology, **kwargs)

    monkeypatch.setattr(labels, "createBarcodeDrawing", spy)
    labels.render_labels(
        [
            item(barcode=labels.choose_barcode("4006381333931", "A")),
            item(barcode=labels.choose_barcode("12345", "A")),
            item(barcode=None),
        ],
        "11354",
    )
    # EAN-13 is given its 12 digits: reportlab adds the (verified) check digit itself.
    assert drawn == [("EAN13", "400638133393"), ("Code128", "12345")]


def product(**changes: Any) -> Any:
    values: dict[str, Any] = {
        "name": "Mug",
        "sku": "MUG-1",
        "barcode": None,
        "price_excluding_tax": Decimal("10.00000"),
        "price_including_tax": Decimal("12.00000"),
    }
    values.update(changes)
    return SimpleNamespace(**values)


def test_price_follows_the_store_currency_locale_and_tax_display() -> None:
    inclusive = labels.product_item(product(), 2, currency="EUR", tax_exclusive=False, locale="fr")
    assert inclusive.price.replace("\u202f", " ").replace("\xa0", " ") == "12,00 €"
    assert inclusive.quantity == 2
    assert inclusive.barcode == Barcode("Code128", "MUG-1")
    assert inclusive.variant is None
    exclusive = labels.product_item(product(), 1, currency="USD", tax_exclusive=True, locale="en")
    assert exclusive.price == "$10.00 excl. tax"
    french = labels.product_item(product(), 1, currency="EUR", tax_exclusive=True, locale="fr")
    assert french.price.endswith("€ HT")


def test_unknown_size_is_refused() -> None:
    with pytest.raises(InvalidInput, match="label size"):
        labels.render_labels([item()], "99999")


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_must_be_positive(quantity: int) -> None:
    with pytest.raises(InvalidInput, match="at least 1"):
        labels.render_labels([item(), item(quantity)], "11354")


def test_at_most_1000_labels_at_once() -> None:
    with pytest.raises(InvalidInput, match="1000"):
        labels.render_labels([item(600), item(401)], "11354")
    assert len(pdf_pages(labels.render_labels([item(labels.MAX_LABELS)], "11355")).pages) == 1000


def test_no_label_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one product"):
        labels.render_labels([], "11354")
