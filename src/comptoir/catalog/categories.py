"""Product categories (X-Series' product types, which now nest): a tree through `parent_id`.

- A category's name is unique among the live categories of the same parent, so "Men / Shoes"
  and "Women / Shoes" can both exist.
- No category is placed inside itself or one of its subcategories.
- Products are filed in categories without subcategories (leaves): `entities.referenced`
  refuses the others for a product, and a category holding live products cannot be given
  subcategories until they are moved. The rule then always holds, so saving a product never
  fails on the category it already had.
- Deleting a category deletes its subcategories too (X-Series). Their products move to the
  parent of the deleted branch when that parent is left without other subcategories, and
  are left without a category otherwise (a top-level branch, or a parent that keeps other
  subcategories: filing them there would break the rule above).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.entities import (
    Deleted,
    ensure_named,
    forget_names,
    get_entity,
    relink_products,
    soft_delete,
)
from comptoir.catalog.models import Product, ProductType
from comptoir.catalog.names import check_name_free, clean_name, holders_of, lock_names
from comptoir.catalog.search import fold
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.ids import new_id
from comptoir.core.uow import UnitOfWork

UNKNOWN_CATEGORY = N_("Choose a category from the list.")


@dataclass(frozen=True)
class CategoryNode:
    """A category with its place in the tree: the path from its top-level ancestor down to
    itself, and whether it has no live subcategories (a leaf, where products are filed)."""

    category: ProductType
    path: list[ProductType]
    leaf: bool

    @property
    def depth(self) -> int:
        return len(self.path) - 1

    @property
    def path_name(self) -> str:
        return " / ".join(c.name for c in self.path)


# Reading ----------------------------------------------------------------------------------


def _everything(session: Session) -> dict[uuid.UUID, ProductType]:
    """Every category, deleted ones included (a deleted one's path is still shown)."""
    return {c.id: c for c in session.scalars(select(ProductType))}


def _live_children(categories: Iterable[ProductType]) -> dict[uuid.UUID | None, list[uuid.UUID]]:
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for c in categories:
        if c.deleted_at is None:
            children.setdefault(c.parent_id, []).append(c.id)
    return children


def _path(category: ProductType, every: dict[uuid.UUID, ProductType]) -> list[ProductType]:
    path = [category]
    seen = {category.id}
    while path[0].parent_id is not None and path[0].parent_id not in seen:
        parent = every.get(path[0].parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        path.insert(0, parent)
    return path


def nodes_of(session: Session, categories: Iterable[ProductType]) -> list[CategoryNode]:
    """The tree positions of `categories`, in the order given."""
    every = _everything(session)
    children = _live_children(every.values())
    return [CategoryNode(c, _path(c, every), not children.get(c.id)) for c in categories]


def category_tree(session: Session, *, text: str = "") -> list[CategoryNode]:
    """Live categories in tree order (each after its parent, siblings by name, accents and
    case ignored); with `text`, those whose path holds every typed word."""
    every = _everything(session)
    children = _live_children(every.values())
    nodes = [
        CategoryNode(c, _path(c, every), not children.get(c.id))
        for c in every.values()
        if c.deleted_at is None
    ]
    words = fold(text).split()
    if words:
        nodes = [n for n in nodes if all(w in fold(n.path_name) for w in words)]
    return sorted(nodes, key=lambda n: [(fold(c.name), c.name, str(c.id)) for c in n.path])


def browse(
    session: Session, *, parent_id: uuid.UUID | None, top_level: bool, children_only: bool
) -> list[CategoryNode]:
    """Categories in tree order, as X-Series' `GET /product_categories` filters them:
    `top_level` keeps the top-level ones; otherwise with a `parent_id`, its direct
    subcategories (`children_only`) or all those below it; without one, every category
    (or only the top-level ones with `children_only`)."""
    tree = category_tree(session)
    if parent_id is not None:
        get_entity(session, ProductType, entity_id=parent_id)
    if top_level or (parent_id is None and children_only):
        return [n for n in tree if n.depth == 0]
    if parent_id is None:
        return tree
    if children_only:
        return [n for n in tree if n.category.parent_id == parent_id]
    return [n for n in tree if any(c.id == parent_id for c in n.path[:-1])]


def products_filed_in(session: Session, *, category_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Product)
            .where(Product.product_type_id == category_id, Product.deleted_at.is_(None))
        )
        or 0
    )


def subtree_of(session: Session, *, category_id: uuid.UUID) -> list[ProductType]:
    """A live category and all its live subcategories (what deleting it deletes)."""
    every = _everything(session)
    return _subtree(every, _live_children(every.values()), category_id)


def _subtree(
    every: dict[uuid.UUID, ProductType],
    children: dict[uuid.UUID | None, list[uuid.UUID]],
    category_id: uuid.UUID,
) -> list[ProductType]:
    found: list[ProductType] = []
    waiting = [category_id]
    while waiting:
        current = waiting.pop()
        if current in every and every[current] not in found:
            found.append(every[current])
            waiting.extend(children.get(current, []))
    return found


# Writing ----------------------------------------------------------------------------------


def _place(
    session: Session, category: ProductType, *, name: str | None, parent_id: uuid.UUID | None
) -> None:
    """Name a category and put it under `parent_id` (None: top level), after the checks."""
    clean = clean_name(ProductType, name)
    lock_names(session)
    if parent_id is not None:
        parent = session.get(ProductType, parent_id)
        if parent is None or parent.deleted_at is not None:
            raise InvalidInput(UNKNOWN_CATEGORY, field="parent_id", id=str(parent_id))
        every = _everything(session)
        if any(c.id == category.id for c in _path(parent, every)):
            raise InvalidInput(
                N_("A category cannot go inside itself or one of its subcategories."),
                field="parent_id",
            )
        if parent_id != category.parent_id:
            filed = products_filed_in(session, category_id=parent_id)
            if filed:
                raise InvalidInput(
                    N_(
                        "Products are filed in this category: move them to another category"
                        " before adding subcategories to it."
                    ),
                    field="parent_id",
                    products=filed,
                )
    siblings = (
        ProductType.parent_id == parent_id
        if parent_id is not None
        else ProductType.parent_id.is_(None)
    )
    check_name_free(session, ProductType, clean, entity_id=category.id, scope=siblings)
    category.name = clean
    category.parent_id = parent_id
    forget_names(session)


def create_category(
    uow: UnitOfWork, *, name: str, parent_id: uuid.UUID | None = None
) -> ProductType:
    category = ProductType(id=new_id(), parent_id=None)
    _place(uow.session, category, name=name, parent_id=parent_id)
    uow.session.add(category)
    uow.commit()
    return category


def update_category(
    uow: UnitOfWork, *, category_id: uuid.UUID, name: str, parent_id: uuid.UUID | None
) -> ProductType:
    category = get_entity(uow.session, ProductType, entity_id=category_id)
    _place(uow.session, category, name=name, parent_id=parent_id)
    uow.commit()
    return category


@dataclass(frozen=True, kw_only=True)
class CategoryChange:
    """One entry of a bulk save (X-Series `POST /product_categories/bulk`): an existing
    category to rename or move (`id`), or a new one. A new one may carry a `payload_id` that
    later entries name as their `payload_parent_id`, to build a whole branch at once."""

    id: uuid.UUID | None = None
    payload_id: str | None = None
    name: str | None = None
    parent_id: uuid.UUID | None = None
    payload_parent_id: str | None = None


@dataclass(frozen=True)
class SavedCategory:
    category: ProductType
    payload_id: str | None


def save_categories(uow: UnitOfWork, *, changes: Sequence[CategoryChange]) -> list[SavedCategory]:
    """All the changes or none: the first refused one is reported with its `index`."""
    session = uow.session
    made: dict[str, uuid.UUID] = {}
    saved = []
    for index, change in enumerate(changes):
        try:
            category = _save_one(session, change, made)
        except InvalidInput as error:
            raise InvalidInput(error.message, **{**error.details, "index": index}) from error
        if change.payload_id is not None:
            made[change.payload_id] = category.id
        saved.append(SavedCategory(category, change.payload_id))
        session.flush()  # the next entries' checks read this one
    uow.commit()
    return saved


def _save_one(session: Session, change: CategoryChange, made: dict[str, uuid.UUID]) -> ProductType:
    if change.parent_id is not None and change.payload_parent_id is not None:
        raise InvalidInput("give parent_category_id or payload_parent_category_id, not both")
    if change.payload_id is not None and change.payload_id in made:
        raise InvalidInput("payload_id is used twice", field="payload_id")
    parent_id = change.parent_id
    if change.payload_parent_id is not None:
        if change.payload_parent_id not in made:
            raise InvalidInput(
                "payload_parent_category_id names no category created earlier in the request",
                field="payload_parent_category_id",
            )
        parent_id = made[change.payload_parent_id]
    if change.id is None:
        created = ProductType(id=new_id(), parent_id=None)
        _place(session, created, name=change.name, parent_id=parent_id)
        session.add(created)
        return created
    category = session.get(ProductType, change.id)
    if category is None or category.deleted_at is not None:
        raise InvalidInput(UNKNOWN_CATEGORY, field="id", id=str(change.id))
    moving = change.parent_id is not None or change.payload_parent_id is not None
    _place(
        session,
        category,
        name=category.name if change.name is None else change.name,
        parent_id=parent_id if moving else category.parent_id,
    )
    return category


def delete_categories(uow: UnitOfWork, *, category_ids: Sequence[uuid.UUID]) -> list[Deleted]:
    """Delete categories with their subcategories; one result per category asked for
    (none for one already inside another deleted branch). See the module doc for products."""
    session = uow.session
    every = _everything(session)
    wanted = list(dict.fromkeys(category_ids))
    unknown = [str(i) for i in wanted if i not in every or every[i].deleted_at is not None]
    if unknown:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category_ids", ids=unknown)
    children = _live_children(every.values())
    branches = {i: [c.id for c in _subtree(every, children, i)] for i in wanted}
    doomed = {member for branch in branches.values() for member in branch}
    results = []
    for top in wanted:
        parent_id = every[top].parent_id
        if parent_id in doomed:
            continue  # inside another branch deleted by this same request
        keeps_others = any(c not in doomed for c in children.get(parent_id, []))
        heir = parent_id if parent_id is not None and not keeps_others else None
        moved = relink_products(
            session, where=Product.product_type_id.in_(branches[top]), product_type_id=heir
        )
        ids = soft_delete(session, (every[i] for i in branches[top]))
        results.append(Deleted(ids=ids, products=moved))
    uow.commit()
    return results


def ensure_category_path(session: Session, names: Sequence[str]) -> ProductType:
    """The live category at the end of `names` ("Men", "Shoes" is "Men / Shoes"), each
    level found whatever its case or created, for imports. The caller commits."""
    if not names:
        raise InvalidInput(N_("Enter a name."), field="name")
    category = ensure_named(session, ProductType, names[0])
    for name in names[1:]:
        clean = clean_name(ProductType, name)
        found = holders_of(session, ProductType, clean, scope=ProductType.parent_id == category.id)
        if found:
            category = found[0]
            continue
        child = ProductType(id=new_id(), parent_id=None)
        _place(session, child, name=clean, parent_id=category.id)
        session.add(child)
        category = child
    return category
