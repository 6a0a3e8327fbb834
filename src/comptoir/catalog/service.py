"""Reading products: by id, by version, by search (writes are in catalog.products)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal_column, or_, select, union
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, ProductCode
from comptoir.catalog.search import fts5_query, tsquery, words_of
from comptoir.core.errors import NotFound
from comptoir.core.paging import Page, page_by_version


def get_product(session: Session, *, product_id: uuid.UUID) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.deleted_at is not None:
        raise NotFound("product not found", product_id=str(product_id))
    return product


def products_by_id(
    session: Session, *, product_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Product]:
    rows = session.scalars(
        select(Product).where(Product.id.in_(product_ids), Product.deleted_at.is_(None))
    )
    return {p.id: p for p in rows}


def page_products(
    session: Session,
    *,
    after: int | None,
    before: int | None,
    page_size: int,
    include_deleted: bool = False,
    sku: str | None = None,
    name: str | None = None,
) -> Page[Product]:
    """Products by version; `sku` and `name` (a family's name) narrow to exact matches."""
    query = select(Product)
    if not include_deleted:
        query = query.where(Product.deleted_at.is_(None))
    if sku is not None:
        query = query.where(Product.sku == sku)
    if name is not None:
        query = query.where(Product.name == name)
    return page_by_version(
        session, query, Product.version, after=after, before=before, page_size=page_size
    )


SEARCH_CANDIDATES = 200


def search_products(session: Session, *, text: str, limit: int = 20) -> list[Product]:
    """Active products for the sell screen: exact barcode, then exact SKU, then handle
    matches first, then products holding every typed word as a word prefix (any order,
    accents and case ignored) in their name, SKU or handle, in the order of their folded
    name (the same order on both databases, whatever their collation).
    """
    typed = text.strip()
    if not typed or limit < 1:
        return []
    sellable = (Product.deleted_at.is_(None), Product.active.is_(True))
    found: list[Product] = []
    # One round trip for the three exact matches (each branch an index lookup), ranked here.
    exact_ids = union(
        select(ProductCode.product_id).where(ProductCode.code == typed),
        select(Product.id).where(Product.sku == typed),
        select(Product.id).where(Product.handle == typed),
    )
    exact = session.scalars(
        select(Product).where(Product.id.in_(exact_ids), *sellable).limit(limit)
    ).all()

    def rank(product: Product) -> tuple[int, str]:
        if any(code.code == typed for code in product.codes):
            return (0, product.search_text)
        return (1 if product.sku == typed else 2, product.search_text)

    found.extend(sorted(exact, key=rank))
    words = words_of(typed)
    if words:
        # At most SEARCH_CANDIDATES matches are read, unordered (so the index stops early),
        # then ordered here: a word found in thousands of names ("sku", "cafe") would
        # otherwise make the database fetch and sort them all for every keystroke.
        candidates = session.execute(
            select(Product.id, Product.search_text)
            .where(_holds_words(session, words, cap=2 * max(SEARCH_CANDIDATES, limit)), *sellable)
            .limit(max(SEARCH_CANDIDATES, limit))
        ).all()
        best = [row.id for row in sorted(candidates, key=lambda row: row.search_text)[:limit]]
        loaded = products_by_id(session, product_ids=best)
        found.extend(loaded[product_id] for product_id in best if product_id in loaded)
    unique = list(dict.fromkeys(found))
    return unique[:limit]


def list_products(
    session: Session, *, text: str | None = None, offset: int = 0, limit: int = 50
) -> list[Product]:
    """The product list page: not deleted (active or not), filtered by words or an exact
    SKU or barcode, by name."""
    query = select(Product).where(Product.deleted_at.is_(None))
    typed = (text or "").strip()
    if typed:
        matches = [
            Product.sku == typed,
            Product.id.in_(select(ProductCode.product_id).where(ProductCode.code == typed)),
        ]
        words = words_of(typed)
        if words:
            matches.append(_holds_words(session, words))
        query = query.where(or_(*matches))
    return list(session.scalars(query.order_by(Product.name).offset(offset).limit(limit)))


def _holds_words(
    session: Session, words: list[str], *, cap: int | None = None
) -> ColumnElement[bool]:
    """Products whose folded name, SKU and handle hold every word as a word prefix, through
    the index migration 0003 built for the database in use. `cap` bounds the FTS5 matches
    SQLite reads (it would otherwise build the whole list before the outer LIMIT applies)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        matching: Select[tuple[Any]] = (
            select(literal_column("pid"))
            .select_from(sql_text("product_search"))
            .where(sql_text("product_search MATCH :fts").bindparams(fts=fts5_query(words)))
            .limit(cap)
        )
        return Product.id.in_(matching)
    if dialect == "postgresql":
        matched = sql_text(
            "to_tsvector('simple'::regconfig, product.search_text)"
            " @@ to_tsquery('simple'::regconfig, :tsq)"
        ).bindparams(tsq=tsquery(words))
        return and_(matched)
    return and_(*(Product.search_text.contains(w) for w in words))
