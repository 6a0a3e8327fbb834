"""Reading products: by id, by version, by search (writes are in catalog.products)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, raiseload

from comptoir.catalog.models import Product, ProductCode, ProductTag
from comptoir.catalog.search import fts5_query, tsquery, words_of
from comptoir.core.errors import NotFound
from comptoir.core.paging import Page, page_by_version
from comptoir.inventory.models import InventoryLevel


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


@dataclass(frozen=True, kw_only=True)
class ProductFilter:
    """What the product list is narrowed to; every criterion given must hold."""

    # Words of the name, SKU or handle (as the sell screen's search), or an exact SKU or code.
    text: str | None = None
    brand_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    product_type_id: uuid.UUID | None = None
    tag_id: uuid.UUID | None = None
    active: bool | None = None
    # At or below its reorder point at this outlet.
    low_stock_at: uuid.UUID | None = None


@dataclass(frozen=True)
class FamilyKey:
    """Where a family stands in the list: its name, then its id (the id of its first
    product) to order families that share a name. Pages are cut between two keys."""

    name: str
    family_id: uuid.UUID


@dataclass(frozen=True)
class ProductListPage:
    # Each family's listed members (only those that pass the filter), in creation order.
    families: list[list[Product]]
    # Keys to ask for the next page (`after`) or the previous one (`before`); None at an end.
    next_after: FamilyKey | None
    previous_before: FamilyKey | None


def list_product_families(
    session: Session,
    *,
    filters: ProductFilter = ProductFilter(),
    after: FamilyKey | None = None,
    before: FamilyKey | None = None,
    limit: int = 50,
) -> ProductListPage:
    """The product list page: live products (active or not) that pass `filters`, grouped
    by variant family, families in name order, `limit` families a page.

    Keyset paging on (name, family id): each page starts where the last one stopped with
    an index seek, however deep, and a product added or removed meanwhile never makes one
    appear twice or vanish, as OFFSET paging would. A family is listed when at least one
    of its members passes the filter, with those members only.
    """
    where = _list_conditions(session, filters)
    # A filter read as its few matches: those are sorted, and the name index must not drive
    # the query (PostgreSQL would walk it looking for them). A copy of the name, which no
    # index holds, orders them the same way on both databases.
    name = Product.name + literal_column("''") if where.few else Product.name
    key = tuple_(name, Product.family_id)
    query = select(name, Product.family_id).where(*where.conditions)
    backwards = before is not None and after is None
    if after is not None:
        query = query.where(key > tuple_(literal(after.name), literal(after.family_id)))
    if before is not None:
        query = query.where(key < tuple_(literal(before.name), literal(before.family_id)))
    order = (name.desc(), Product.family_id.desc()) if backwards else (name, Product.family_id)
    rows = session.execute(
        query.group_by(name, Product.family_id).order_by(*order).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    keys = [FamilyKey(name, family_id) for name, family_id in rows[:limit]]
    if backwards:
        keys.reverse()
    # The page's families are few: each member is checked row by row, where SQLite would
    # otherwise start from a filter's own matches (a tag's thousand products).
    members = _members_of(
        session, _list_conditions(session, filters, row_by_row=True).conditions, keys
    )
    families = [members[k] for k in keys if k in members]
    first, last = (keys[0], keys[-1]) if keys else (None, None)
    if backwards:
        return ProductListPage(families, next_after=last, previous_before=first if more else None)
    return ProductListPage(
        families,
        next_after=last if more else None,
        previous_before=first if after is not None else None,
    )


def _members_of(
    session: Session, conditions: list[ColumnElement[bool]], keys: list[FamilyKey]
) -> dict[FamilyKey, list[Product]]:
    if not keys:
        return {}
    members: dict[FamilyKey, list[Product]] = {}
    rows = session.scalars(
        select(Product)
        .where(*conditions, Product.family_id.in_({k.family_id for k in keys}))
        # The list shows codes and variant values; loading the rest for every row of every
        # page would double the page's time (bench/product_list.py).
        .options(
            raiseload(Product.components),
            raiseload(Product.tags),
            raiseload(Product.outlet_taxes),
        )
        .order_by(Product.created_at, Product.sku)
    )
    wanted = set(keys)
    for product in rows:
        # A member renamed apart from its family is listed under its own name's key.
        found = FamilyKey(product.name, product.family_id)
        if found in wanted:
            members.setdefault(found, []).append(product)
    return members


# A filter that matches few products (a tag on a thousand, a rare word) is best read from
# its matches, then sorted by name; one that matches many (a common tag, a short word, a bad
# week for stock) is best checked row by row while walking the name index, which stops at
# the end of the page: at least one row in 70 passes past PROBE_FROM matches. Neither
# planner chooses well alone (SQLite always materialises, PostgreSQL misjudges how many
# products a word prefix matches and runs to_tsvector on every row), so the list reads at
# most PROBE_FROM matches first: fewer, and the matches are the filter (on PostgreSQL as a
# list of ids, whose size its planner then knows); a full batch, and the row-by-row form is
# used (bench/README.md, product_list).
PROBE_FROM = 3000


@dataclass
class _Where:
    conditions: list[ColumnElement[bool]]
    # Whether a filter was read as its matches (few of them: sort them).
    few: bool = False


def _list_conditions(
    session: Session, filters: ProductFilter, *, row_by_row: bool = False
) -> _Where:
    """The filter as SQL conditions on `product`; `row_by_row` for a query that reads a
    few products anyway (the members of a page's families)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    where = _Where([Product.deleted_at.is_(None)])

    def matching(ids: Select[Any], per_row: ColumnElement[bool]) -> ColumnElement[bool]:
        if row_by_row:
            return per_row
        if sqlite:
            # Counted in SQL: SQLite materialises the subquery itself, as wanted here.
            counted = select(func.count()).select_from(ids.limit(PROBE_FROM).subquery())
            if (session.scalar(counted) or 0) >= PROBE_FROM:
                return per_row
            where.few = True
            return Product.id.in_(ids)
        # PostgreSQL gets the ids themselves: a list it knows the size of.
        found = list(session.scalars(ids.limit(PROBE_FROM)))
        if len(found) >= PROBE_FROM:
            return per_row
        where.few = True
        return Product.id.in_(found)

    conditions = where.conditions
    typed = (filters.text or "").strip()
    if typed:
        # The exact code's products read first: an OR of lookups PostgreSQL can combine
        # (a subquery in the OR made it walk the whole name index).
        coded = select(ProductCode.product_id).where(ProductCode.code == typed)
        matches = [Product.sku == typed, Product.id.in_(list(session.scalars(coded)))]
        words = words_of(typed)
        if words:
            matches.append(matching(_word_matches(session, words), _words_in_row(words)))
        conditions.append(or_(*matches))
    for column, wanted in (
        (Product.brand_id, filters.brand_id),
        (Product.supplier_id, filters.supplier_id),
        (Product.product_type_id, filters.product_type_id),
    ):
        if wanted is not None:
            conditions.append(column == wanted)
    if filters.tag_id is not None:
        conditions.append(
            matching(
                select(ProductTag.product_id).where(ProductTag.tag_id == filters.tag_id),
                exists().where(
                    ProductTag.product_id == Product.id, ProductTag.tag_id == filters.tag_id
                ),
            )
        )
    if filters.active is not None:
        conditions.append(Product.active.is_(filters.active))
    if filters.low_stock_at is not None:
        low = low_stock(filters.low_stock_at)
        conditions.append(
            matching(low, low.where(InventoryLevel.product_id == Product.id).exists())
        )
    return where


def _word_matches(session: Session, words: list[str]) -> Select[Any]:
    """The ids of the products holding every word, read through the search index."""
    if session.get_bind().dialect.name == "sqlite":
        return _fts5_matches(words)
    return select(Product.id).where(_holds_words(session, words))


def _words_in_row(words: list[str]) -> ColumnElement[bool]:
    """Every word in the row's folded text, checked on the row itself (no index, and no
    to_tsvector per row: a LIKE on the folded text is what each word prefix means)."""
    padded = literal(" ") + Product.search_text
    # Folded words hold only letters, digits and spaces: no LIKE wildcard in them.
    return and_(*(padded.like(f"% {word}%") for word in words))


def low_stock(outlet_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """Products at or below their reorder point at an outlet (none without a reorder point).

    Written as the partial index `ix_inventory_level_low_stock` is, so both databases read
    only the levels that are low."""
    return select(InventoryLevel.product_id).where(
        InventoryLevel.outlet_id == outlet_id,
        InventoryLevel.count <= InventoryLevel.reorder_point,
    )


def _holds_words(
    session: Session, words: list[str], *, cap: int | None = None
) -> ColumnElement[bool]:
    """Products whose folded name, SKU and handle hold every word as a word prefix, through
    the index migration 0003 built for the database in use. `cap` bounds the FTS5 matches
    SQLite reads (it would otherwise build the whole list before the outer LIMIT applies)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return Product.id.in_(_fts5_matches(words).limit(cap))
    if dialect == "postgresql":
        matched = sql_text(
            "to_tsvector('simple'::regconfig, product.search_text)"
            " @@ to_tsquery('simple'::regconfig, :tsq)"
        ).bindparams(tsq=tsquery(words))
        return and_(matched)
    return and_(*(Product.search_text.contains(w) for w in words))


def _fts5_matches(words: list[str]) -> Select[tuple[Any]]:
    """The ids of the products holding every word (SQLite's FTS5 table of migration 0003)."""
    return (
        select(literal_column("pid"))
        .select_from(sql_text("product_search"))
        .where(sql_text("product_search MATCH :fts").bindparams(fts=fts5_query(words)))
    )
