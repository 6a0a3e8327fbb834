"""Writing a planned import: set-based statements, in the caller's transaction.

Rows are inserted with SQLAlchemy Core (`insert()` with lists of dicts, in chunks), not one
ORM object per row, so the ORM events do not run: `search_text`, `family_id`, versions and
timestamps are filled here. Stock goes through the ledger (`move_stock`, set-based too) and
reorder settings through `set_reorder_levels`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from comptoir.catalog.models import (
    Product,
    ProductComponent,
    ProductOutletTax,
    ProductTag,
    VariantOption,
)
from comptoir.catalog.search import search_text_of
from comptoir.catalog.transfer.fields import Member
from comptoir.catalog.transfer.lookup import CHUNK, FIELDS, chunks
from comptoir.catalog.transfer.plan import Plan
from comptoir.core.bulk import executemany
from comptoir.core.clock import utcnow
from comptoir.core.versioning import allocate_versions
from comptoir.inventory.models import InventoryLevel, MovementKind
from comptoir.inventory.service import ReorderSettings, StockChange, move_stock, set_reorder_levels
from comptoir.store import service as store

Progress = Callable[[int, int], None]


def apply_plan(
    session: Session,
    plan: Plan,
    *,
    import_id: uuid.UUID,
    user_id: uuid.UUID | None = None,
    progress: Progress | None = None,
) -> int:
    """Write `plan`; returns how many stock levels moved."""
    total = len(plan.created) + len(plan.updated) + len(plan.stock)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(min(done, total), total)

    now = utcnow()
    # Brands, tags... the planning made are ORM objects; the bulk writes below bypass the
    # session, so they must be in the database first.
    session.flush()
    _generate_skus(session, plan.created)
    versions = iter(allocate_versions(session, len(plan.created) + len(plan.updated)))
    product = _table(Product)
    changes = [
        {
            **{name: member.target[name] for name in FIELDS},
            "key": member.id,
            "search_text": search_text_of(
                member.target["name"], member.target["sku"], member.target["handle"]
            ),
            "version": next(versions),
            "updated_at": now,
        }
        for member in plan.updated
    ]
    statement = (
        update(product)
        .where(product.c.id == bindparam("key"))
        .values(
            {name: bindparam(name) for name in [*FIELDS, "search_text", "version", "updated_at"]}
        )
    )
    for part in chunks(changes):
        session.execute(statement, part)
        advance(len(part))
    for table, given, _rows in _details():
        replaced = [m.id for m in plan.updated if given(m) is not None]
        for ids in chunks(replaced):
            session.execute(delete(table).where(table.c.product_id.in_(ids)))

    rows = []
    for position, member in enumerate(plan.created):
        target = member.target
        rows.append(
            {
                **{name: target[name] for name in FIELDS},
                "id": member.id,
                "family_id": target["family_id"],
                "source": "USER",
                "search_text": search_text_of(target["name"], target["sku"], target["handle"]),
                "version": next(versions),
                # One microsecond apart, in file order: lists and exports ordered by creation
                # show the products as the file had them.
                "created_at": now + timedelta(microseconds=position),
                "updated_at": now,
                "deleted_at": None,
            }
        )
    for part in chunks(rows):
        executemany(session, product, part)
        advance(len(part))
    members = [*plan.created, *plan.updated]
    for table, given, rows_of in _details():
        detail_rows = [row for m in members if given(m) is not None for row in rows_of(m)]
        for part in chunks(detail_rows, CHUNK * 2):
            executemany(session, table, part)
    moved = _move_stock(session, plan, import_id=import_id, user_id=user_id)
    advance(len(plan.stock))
    _set_reorder(session, plan)
    return moved


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _generate_skus(session: Session, created: Sequence[Member]) -> None:
    """SKUs from the store's sequence for new products without one, reserved in blocks;
    a number already used as a SKU (typed by hand, say) is skipped."""
    waiting = [m for m in created if not m.target["sku"]]
    taken = {m.target["sku"] for m in created if m.target["sku"]}
    while waiting:
        block = [str(n) for n in store.reserve_skus(session, count=len(waiting))]
        used = set(taken)
        for part in chunks(block):
            used.update(session.scalars(select(Product.sku).where(Product.sku.in_(part))))
        free = [sku for sku in block if sku not in used]
        for member, sku in zip(waiting, free, strict=False):
            member.target["sku"] = sku
        waiting = waiting[len(free) :]


Detail = tuple[Table, Callable[[Member], Any], Callable[[Member], list[dict[str, Any]]]]


def _details() -> list[Detail]:
    """Options, tags, per-outlet taxes and components: (table, what a member gives, None when
    the file leaves them as they are, and its rows). An updated product's are replaced."""
    return [
        (
            _table(VariantOption),
            lambda m: m.options,
            lambda m: [
                {
                    "product_id": m.id,
                    "position": position,
                    "attribute_id": attribute,
                    "value": value,
                }
                for position, (attribute, value) in enumerate(m.options or (), start=1)
            ],
        ),
        (
            _table(ProductTag),
            lambda m: m.tag_ids,
            lambda m: [
                {"product_id": m.id, "tag_id": tag} for tag in dict.fromkeys(m.tag_ids or ())
            ],
        ),
        (
            _table(ProductOutletTax),
            lambda m: m.outlet_taxes,
            lambda m: [
                {"product_id": m.id, "outlet_id": outlet, "tax_id": tax}
                for outlet, tax in (m.outlet_taxes or {}).items()
            ],
        ),
        (
            _table(ProductComponent),
            lambda m: m.components,
            lambda m: [
                {
                    "id": m.link_ids.get(part) or uuid.uuid4(),
                    "product_id": m.id,
                    "component_id": part,
                    "quantity": quantity,
                    "position": position,
                }
                for position, (part, quantity) in enumerate(m.components or ())
            ],
        ),
    ]


def _move_stock(
    session: Session, plan: Plan, *, import_id: uuid.UUID, user_id: uuid.UUID | None
) -> int:
    """Each given count becomes the stock on hand, through the ledger: the difference from
    the current count, read (and on PostgreSQL locked) in this transaction."""
    current = _levels(session, [t.product_id for t in plan.stock if t.existing])
    costs = {m.id: m.target["supply_price"] for m in [*plan.created, *plan.updated]}
    changes = []
    for target in plan.stock:
        level = current.get((target.product_id, target.outlet_id))
        delta = target.count - (level[0] if level else Decimal(0))
        if delta:
            changes.append(
                StockChange(
                    target.product_id,
                    target.outlet_id,
                    delta,
                    unit_cost=costs.get(target.product_id),
                )
            )
    for part in chunks(changes, CHUNK * 5):
        move_stock(
            session, changes=part, kind=MovementKind.MANUAL, source_id=import_id, user_id=user_id
        )
    return len(changes)


def _set_reorder(session: Session, plan: Plan) -> None:
    current = _levels(session, [t.product_id for t in plan.reorder if t.existing])
    settings = []
    for target in plan.reorder:
        _count, point, level = current.get((target.product_id, target.outlet_id), (0, None, None))
        wanted = (
            point if target.reorder_point is None else target.reorder_point,
            level if target.restock_level is None else target.restock_level,
        )
        if wanted != (point, level):
            settings.append(ReorderSettings(target.product_id, target.outlet_id, *wanted))
    for part in chunks(settings, CHUNK * 5):
        set_reorder_levels(session, settings=part)


def _levels(
    session: Session, product_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[Decimal, Decimal | None, Decimal | None]]:
    levels = {}
    level = _table(InventoryLevel)
    for part in chunks(list(dict.fromkeys(product_ids))):
        rows = session.execute(
            select(
                level.c.product_id,
                level.c.outlet_id,
                level.c.count,
                level.c.reorder_point,
                level.c.reorder_amount,
            )
            .where(level.c.product_id.in_(part))
            .with_for_update()
        )
        for product_id, outlet_id, count, point, amount in rows:
            levels[(product_id, outlet_id)] = (count, point, amount)
    return levels
