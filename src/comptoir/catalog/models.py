from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.catalog.search import search_text_of
from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.versioning import Versioned

# SKUs and handles hold up to 255 characters, as Lightspeed's do (migration 0008). SQLite
# ignores a declared length (any text fits), so its tables keep the VARCHAR(100)/(200) they
# were made with: widening them there would rebuild the product table, its search triggers
# and the rows that cascade from it, for no change in what it can hold.
SKU_TYPE = String(255).with_variant(String(100), "sqlite")
HANDLE_TYPE = String(255).with_variant(String(200), "sqlite")


class Product(Versioned, Base):
    __tablename__ = "product"
    # The product list pages through families in (name, family_id) order, narrowed by a
    # brand, supplier or type: one index per way in, each ending with the list's order, so
    # a page is an index seek then LIMIT rows, however deep (migration 0005).
    __table_args__ = (
        Index("ix_product_name_family_id", "name", "family_id"),
        Index("ix_product_brand_id_name", "brand_id", "name", "family_id"),
        Index("ix_product_supplier_id_name", "supplier_id", "name", "family_id"),
        Index("ix_product_product_type_id_name", "product_type_id", "name", "family_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    handle: Mapped[str] = mapped_column(HANDLE_TYPE, index=True)
    sku: Mapped[str] = mapped_column(SKU_TYPE, unique=True)
    name: Mapped[str] = mapped_column(String(255))
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
    # Every member of a variant family shares its handle and `family_id` (the id of the
    # family's first product); a standard or composite product is a family of one.
    family_id: Mapped[uuid.UUID] = mapped_column(nullable=True, index=True)
    # Selling a composite moves its components' stock, never its own.
    is_composite: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("brand.id"), default=None)
    product_type_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("product_type.id"), default=None
    )
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("supplier.id"), default=None)
    supplier_code: Mapped[str | None] = mapped_column(String(100), default=None)
    account_code: Mapped[str | None] = mapped_column(String(100), default=None)
    account_code_purchase: Mapped[str | None] = mapped_column(String(100), default=None)
    # Name, SKU and handle folded by catalog.search.fold (no accents, lower case), set on
    # every insert and update by the ORM events below; the search indexes are built on it
    # by migration 0003 (an FTS5 table on SQLite, a GIN tsvector index on PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    codes: Mapped[list[ProductCode]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ProductCode.position",
    )
    variant_options: Mapped[list[VariantOption]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="VariantOption.position"
    )
    components: Mapped[list[ProductComponent]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ProductComponent.position",
        foreign_keys="ProductComponent.product_id",
    )
    tags: Mapped[list[Tag]] = relationship(secondary="product_tag", lazy="selectin")
    outlet_taxes: Mapped[list[ProductOutletTax]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def barcode(self) -> str | None:
        return self.codes[0].code if self.codes else None

    @property
    def has_variants(self) -> bool:
        return bool(self.variant_options)

    @property
    def variant_name(self) -> str:
        """ "T-shirt / Rouge / M": the name with the variant's values, as X-Series shows it."""
        return " / ".join([self.name, *(o.value for o in self.variant_options)])

    def tax_id_at(self, outlet_id: uuid.UUID) -> uuid.UUID | None:
        """The tax this product sells with at an outlet; None means the store's default."""
        for outlet_tax in self.outlet_taxes:
            if outlet_tax.outlet_id == outlet_id:
                return outlet_tax.tax_id
        return self.tax_id


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
    # The first code is the product's default barcode (printed on labels).
    position: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    product: Mapped[Product] = relationship(back_populates="codes")


class ProductCodeType:
    """X-Series product code types."""

    ALL = ("EAN", "UPC", "ISBN", "ITF", "JAN", "CUSTOM")


class Brand(Versioned, Base):
    __tablename__ = "brand"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)


class Supplier(Versioned, Base):
    """Who the shop buys from, with the contact details purchase orders are sent to."""

    __tablename__ = "supplier"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    source: Mapped[str] = mapped_column(String(20), default="USER")
    company_name: Mapped[str | None] = mapped_column(String(200), default=None)
    first_name: Mapped[str | None] = mapped_column(String(100), default=None)
    last_name: Mapped[str | None] = mapped_column(String(100), default=None)
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    phone: Mapped[str | None] = mapped_column(String(50), default=None)
    mobile: Mapped[str | None] = mapped_column(String(50), default=None)
    fax: Mapped[str | None] = mapped_column(String(50), default=None)
    website: Mapped[str | None] = mapped_column(String(200), default=None)
    twitter: Mapped[str | None] = mapped_column(String(100), default=None)
    physical_address_1: Mapped[str | None] = mapped_column(String(200), default=None)
    physical_address_2: Mapped[str | None] = mapped_column(String(200), default=None)
    physical_suburb: Mapped[str | None] = mapped_column(String(100), default=None)
    physical_city: Mapped[str | None] = mapped_column(String(100), default=None)
    physical_postcode: Mapped[str | None] = mapped_column(String(20), default=None)
    physical_state: Mapped[str | None] = mapped_column(String(100), default=None)
    physical_country_id: Mapped[str | None] = mapped_column(String(2), default=None)


class ProductType(Versioned, Base):
    """A product type, which X-Series now calls a product category: categories nest through
    `parent_id`, and a product belongs to one leaf."""

    __tablename__ = "product_type"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("product_type.id"), default=None, index=True
    )


class Tag(Versioned, Base):
    __tablename__ = "tag"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), index=True)


class ProductTag(Base):
    __tablename__ = "product_tag"
    # A tag's products read from the index alone (the product list's tag filter, 0005).
    __table_args__ = (Index("ix_product_tag_tag_id_product_id", "tag_id", "product_id"),)

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tag.id"), primary_key=True)


class VariantAttribute(Versioned, Base):
    """What variants of a family differ by: "Colour", "Size"... (up to three per family)."""

    __tablename__ = "variant_attribute"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), index=True)


class VariantOption(Base):
    """One variant's value for one of its family's attributes, at the attribute's position."""

    __tablename__ = "variant_option"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    attribute_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("variant_attribute.id"), index=True)
    value: Mapped[str] = mapped_column(String(100))

    attribute: Mapped[VariantAttribute] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.attribute.name


class ProductComponent(Base):
    """A composite product's component and how many of it one composite holds."""

    __tablename__ = "product_component"
    __table_args__ = (UniqueConstraint("product_id", "component_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    component_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product.id"), index=True)
    quantity: Mapped[Decimal]
    position: Mapped[int] = mapped_column(Integer, default=0)

    component: Mapped[Product] = relationship(foreign_keys=[component_id], lazy="joined")


class ProductOutletTax(Base):
    """The tax a product sells with at one outlet, overriding the product's own tax."""

    __tablename__ = "product_outlet_tax"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    outlet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outlet.id"), primary_key=True)
    tax_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tax.id"), default=None)


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _fold_search_text(_mapper: object, _connection: object, product: Product) -> None:
    if product.id is None:
        product.id = new_id()
    if product.family_id is None:
        product.family_id = product.id
    product.search_text = search_text_of(product.name, product.sku, product.handle)
