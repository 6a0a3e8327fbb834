"""The rules every catalog name follows (brands, suppliers, product types, tags, variant
attributes): required, trimmed, NFC-normalised, no control characters, at most as long as
its column, and unique among the live rows of its kind whatever its case.

Name checks and the writes after them run under the lock of the store's version counter
row (every write of a versioned row takes it at flush anyway), so two transactions creating
"Nike" at once cannot both pass the check on PostgreSQL; SQLite has one writer at a time.
"""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from comptoir.catalog.models import Brand, ProductType, Supplier, Tag, VariantAttribute
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.versioning import VERSION_COUNTER, StoreCounter

Entity = TypeVar("Entity", Brand, Supplier, ProductType, Tag, VariantAttribute)

# Shown next to the name field, in the user's language.
_NAME_TAKEN = {
    Brand: N_("Another brand already has this name."),
    Supplier: N_("Another supplier already has this name."),
    ProductType: N_("Another category of the same parent already has this name."),
    Tag: N_("Another tag already has this name."),
    VariantAttribute: N_("Another variant attribute already has this name."),
}
TOO_LONG = {
    2: N_("Enter a two-letter country code, such as FR."),
    20: N_("Enter at most 20 characters."),
    50: N_("Enter at most 50 characters."),
    100: N_("Enter at most 100 characters."),
    200: N_("Enter at most 200 characters."),
}


def max_length(model: type[Any], column: str) -> int:
    length: int = model.__table__.c[column].type.length
    return length


def clean_text(
    value: str | None, *, field: str, limit: int, required: bool = False, lines: bool = False
) -> str | None:
    """Trimmed, NFC-normalised text (so "é" typed two ways is one name), or None when empty.

    Control characters are refused (a NUL cannot even be stored on PostgreSQL); `lines`
    lets descriptions keep their line breaks and tabs.
    """
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text:
        if required:
            raise InvalidInput(N_("Enter a name."), field=field)
        return None
    allowed = "\n\r\t" if lines else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        raise InvalidInput(N_("Remove the line breaks and control characters."), field=field)
    if len(text) > limit:
        message = TOO_LONG.get(limit, N_("This text is too long."))
        raise InvalidInput(message, field=field, max_length=limit)
    return text


def clean_name(model: type[Entity], name: str | None) -> str:
    limit = max_length(model, "name")
    checked = clean_text(name, field="name", limit=limit, required=True)
    assert checked is not None  # required
    return checked


def name_key(name: str) -> str:
    """What two names must share to be the same name: their lower-case form."""
    return name.lower()


def lock_names(session: Session) -> None:
    """Take the version counter row's lock now, before checking a name (see the module doc).

    A no-op UPDATE: on PostgreSQL it locks the row until commit, as the flush would.
    """
    session.execute(
        update(StoreCounter)
        .where(StoreCounter.name == VERSION_COUNTER)
        .values(value=StoreCounter.value)
    )


def holders_of(
    session: Session, model: type[Entity], name: str, *, scope: ColumnElement[bool] | None = None
) -> list[Entity]:
    """Live rows of `model` whose name is `name` whatever its case.

    Compared in Python: SQLite's lower() folds ASCII letters only ("É" stays "É"). The
    length filter keeps the rows read to the few candidates (lower() keeps the length).
    """
    query = select(model).where(model.deleted_at.is_(None), func.length(model.name) == len(name))
    if scope is not None:
        query = query.where(scope)
    key = name_key(name)
    return [e for e in session.scalars(query) if name_key(e.name) == key]


def check_name_free(
    session: Session,
    model: type[Entity],
    name: str,
    *,
    entity_id: uuid.UUID | None,
    scope: ColumnElement[bool] | None = None,
) -> None:
    for holder in holders_of(session, model, name, scope=scope):
        if holder.id != entity_id:
            raise InvalidInput(_NAME_TAKEN[model], field="name", name=name, id=str(holder.id))
