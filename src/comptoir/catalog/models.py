from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.catalog.search import search_text_of
from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.versioning import Versioned


class Product(Versioned, Base):
    __tablename__ = "product"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    handle: Mapped[str] = mapped_column(String(200), index=True)
    sku: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    # Both prices are kept to 5 places: the one the shop typed, and the one derived from it
    # with the product's tax. Selling uses the tax-inclusive one in a tax-inclusive store.
    price_excluding_tax: Mapped[Decimal]
    price_including_tax: Mapped[Decimal]
    supply_price: Mapped[Decimal] = mapped_column(default=Decimal(0))
    tax_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tax.id"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    has_inventory: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(20), default="USER")
    # Name, SKU and handle folded by catalog.search.fold (no accents, lower case), set on
    # every insert and update by the ORM events below; the search indexes are built on it
    # by migration 0003 (an FTS5 table on SQLite, a GIN tsvector index on PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    codes: Mapped[list[ProductCode]] = relationship(
        back_populates="product", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def barcode(self) -> str | None:
        return self.codes[0].code if self.codes else None


class ProductCode(Base):
    """A barcode or other code (EAN, UPC, ISBN, CUSTOM) that finds a product when scanned."""

    __tablename__ = "product_code"
    __table_args__ = (Index("ix_product_code_code", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(10), default="EAN")
    code: Mapped[str] = mapped_column(String(64))

    product: Mapped[Product] = relationship(back_populates="codes")


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _fold_search_text(_mapper: object, _connection: object, product: Product) -> None:
    product.search_text = search_text_of(product.name, product.sku, product.handle)
