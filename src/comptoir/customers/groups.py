"""Customer groups: one per customer, "All Customers" for new ones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.paging import Page, page_live
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import allocate_versions
from comptoir.customers.models import DEFAULT_GROUP_NAME, Customer, CustomerGroup


def default_group(session: Session) -> CustomerGroup:
    """The group new customers join, made on first need in a store that has none yet."""
    group = session.scalar(
        select(CustomerGroup).where(
            CustomerGroup.is_default.is_(True), CustomerGroup.deleted_at.is_(None)
        )
    )
    if group is None:
        group = CustomerGroup(id=uuid.uuid4(), name=DEFAULT_GROUP_NAME, is_default=True)
        session.add(group)
        session.flush()
    return group


def list_groups(session: Session) -> list[CustomerGroup]:
    return list(
        session.scalars(
            select(CustomerGroup)
            .where(CustomerGroup.deleted_at.is_(None))
            .order_by(CustomerGroup.is_default.desc(), CustomerGroup.name)
        )
    )


def page_groups(
    session: Session,
    *,
    after: int | None,
    before: int | None,
    page_size: int,
    include_deleted: bool = False,
) -> Page[CustomerGroup]:
    return page_live(
        session,
        CustomerGroup,
        after=after,
        before=before,
        page_size=page_size,
        include_deleted=include_deleted,
    )


def member_counts(session: Session) -> dict[uuid.UUID, int]:
    """How many live customers each group holds."""
    rows = session.execute(
        select(Customer.customer_group_id, func.count())
        .where(Customer.deleted_at.is_(None))
        .group_by(Customer.customer_group_id)
    )
    return {group_id: count for group_id, count in rows}


def get_group(session: Session, *, group_id: uuid.UUID) -> CustomerGroup:
    group = session.get(CustomerGroup, group_id)
    if group is None or group.deleted_at is not None:
        raise InvalidInput("unknown customer group", field="customer_group_id", id=str(group_id))
    return group


def find_group(session: Session, *, name: str) -> CustomerGroup | None:
    return session.scalar(
        select(CustomerGroup).where(
            func.lower(CustomerGroup.name) == name.strip().lower(),
            CustomerGroup.deleted_at.is_(None),
        )
    )


def _check_name(session: Session, name: str, *, group_id: uuid.UUID | None) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("a group needs a name", field="name")
    if len(cleaned) > 100:
        raise InvalidInput("a group name has at most 100 characters", field="name")
    same = find_group(session, name=cleaned)
    if same is not None and same.id != group_id:
        raise InvalidInput(f"the group {cleaned!r} already exists", field="name")
    return cleaned


def create_group(uow: UnitOfWork, *, name: str, group_id: uuid.UUID | None = None) -> CustomerGroup:
    group = add_group(uow.session, name=name, group_id=group_id)
    uow.commit()
    return group


def add_group(session: Session, *, name: str, group_id: uuid.UUID | None = None) -> CustomerGroup:
    group = CustomerGroup(
        id=group_id or uuid.uuid4(), name=_check_name(session, name, group_id=None)
    )
    session.add(group)
    session.flush()
    return group


def rename_group(uow: UnitOfWork, *, group_id: uuid.UUID, name: str) -> CustomerGroup:
    group = get_live_group(uow.session, group_id=group_id)
    group.name = _check_name(uow.session, name, group_id=group.id)
    uow.commit()
    return group


def delete_group(uow: UnitOfWork, *, group_id: uuid.UUID) -> CustomerGroup:
    """Its customers go back to "All Customers", which itself cannot be deleted."""
    session = uow.session
    group = get_live_group(session, group_id=group_id)
    if group.is_default:
        raise InvalidInput(f"the {DEFAULT_GROUP_NAME!r} group cannot be deleted", field="id")
    _move(session, customer_ids=None, from_group=group.id, to_group=default_group(session).id)
    group.deleted_at = utcnow()
    uow.commit()
    return group


def move_customers(
    uow: UnitOfWork, *, group_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> int:
    """Put customers into a group (each leaves its previous one). Returns how many moved."""
    session = uow.session
    group = get_live_group(session, group_id=group_id)
    wanted = list(dict.fromkeys(customer_ids))
    known = set(
        session.scalars(
            select(Customer.id).where(Customer.id.in_(wanted), Customer.deleted_at.is_(None))
        )
    )
    missing = [str(c) for c in wanted if c not in known]
    if missing:
        raise InvalidInput("unknown customer", field="customer_ids", ids=missing)
    moved = _move(session, customer_ids=wanted, from_group=None, to_group=group.id)
    uow.commit()
    return moved


def remove_customers(
    uow: UnitOfWork, *, group_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> int:
    """Take customers out of a group: they return to "All Customers"."""
    session = uow.session
    group = get_live_group(session, group_id=group_id)
    moved = _move(
        session,
        customer_ids=list(customer_ids),
        from_group=group.id,
        to_group=default_group(session).id,
    )
    uow.commit()
    return moved


def get_live_group(session: Session, *, group_id: uuid.UUID) -> CustomerGroup:
    group = session.get(CustomerGroup, group_id)
    if group is None or group.deleted_at is not None:
        raise NotFound("customer group not found", customer_group_id=str(group_id))
    return group


def _move(
    session: Session,
    *,
    customer_ids: list[uuid.UUID] | None,
    from_group: uuid.UUID | None,
    to_group: uuid.UUID,
) -> int:
    """Set-based, each moved customer taking a new version (they changed, for sync)."""
    query = select(Customer.id).where(
        Customer.deleted_at.is_(None), Customer.customer_group_id != to_group
    )
    if customer_ids is not None:
        query = query.where(Customer.id.in_(customer_ids))
    if from_group is not None:
        query = query.where(Customer.customer_group_id == from_group)
    ids = sorted(session.scalars(query))
    if not ids:
        return 0
    versions = allocate_versions(session, len(ids))
    now = utcnow()
    # An ORM bulk UPDATE by primary key: one executemany, not one round trip per customer.
    session.execute(
        update(Customer),
        [
            {"id": customer_id, "customer_group_id": to_group, "version": v, "updated_at": now}
            for customer_id, v in zip(ids, versions, strict=True)
        ],
    )
    session.expire_all()
    return len(ids)
