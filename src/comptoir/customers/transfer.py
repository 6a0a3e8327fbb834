"""Customer list export and import with the X-Series customer columns.

The import validates the whole file first (errors by row and column, warnings for a date of
birth that cannot be read or a row without names), then writes everything in one
transaction or nothing. A row whose `customer_code` exists updates that customer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.accounts.events import SecurityAction, record_event
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.customers import groups, service
from comptoir.customers.models import Customer, CustomerGroup
from comptoir.customers.profiles import (
    COUNTRY_FIELDS,
    FLAG_FIELDS,
    TEXT_LIMITS,
    clean_fields,
    parse_birth_date,
)
from comptoir.fiscal import events as fiscal_events
from comptoir.io import Column, ParsedRow, Report, Schema, Table, ValidationResult, unique
from comptoir.io import validate as validate_table
from comptoir.io.reading import Progress
from comptoir.store import service as store

ADDRESS = [
    f"{kind}_{part}"
    for kind in ("physical", "postal")
    for part in ("address_1", "address_2", "suburb", "city", "postcode", "state", "country_id")
]
PROFILE_COLUMNS = [
    "customer_code",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "mobile",
    "fax",
    "website",
    "twitter",
    "date_of_birth",
    "gender",
    "customer_group_name",
    "note",
    *ADDRESS,
    "custom_field_1",
    "custom_field_2",
    "custom_field_3",
    "custom_field_4",
    "do_not_email",
    "enable_loyalty",
    "on_account_limit",
]
# Made by selling, never typed: exported for information, refused on import.
COMPUTED_COLUMNS = ["year_to_date", "balance", "loyalty_balance", "store_credit"]
EXPORT_COLUMNS = [*PROFILE_COLUMNS, *COMPUTED_COLUMNS]
IMPORT_CHUNK = 500


def _schema(today: date, computed_check: Callable[[Sequence[ParsedRow], Report], None]) -> Schema:
    columns = [
        Column("customer_code"),
        Column("first_name"),
        Column("last_name"),
        Column("company_name", aliases=("company",)),
        Column("email"),
        Column("date_of_birth", aliases=("birthday", "dob")),
        Column("gender", aliases=("sex",)),
        Column("customer_group_name", aliases=("customer_group", "group")),
        Column("on_account_limit"),
        *(Column(f) for f in FLAG_FIELDS),
        *(
            Column(name)
            for name in [*TEXT_LIMITS, *COUNTRY_FIELDS]
            if name not in {"customer_code", "first_name", "last_name", "company_name", "email"}
        ),
        *(
            Column(name, aliases=aliases, parse=_amount)
            for name, aliases in (
                ("year_to_date", ("ytd", "ytd_balance")),
                ("balance", ("account_balance",)),
                ("loyalty_balance", ("loyalty_points",)),
                ("store_credit", ()),
            )
        ),
    ]
    return Schema(
        columns=columns,
        row_checks=[_row_check(today)],
        table_checks=[
            unique("customer_code", message="This customer code is already in the file."),
            computed_check,
        ],
    )


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(f"Not an amount: {text}") from exc


def _computed_check(session: Session) -> Callable[[Sequence[ParsedRow], Report], None]:
    """Year to date, balances and store credit are made by selling. An exported file
    carries them: left as exported (or emptied) they pass; a changed value is refused."""

    def check(rows: Sequence[ParsedRow], report: Report) -> None:
        carrying = [r for r in rows if any(r.values.get(c) is not None for c in COMPUTED_COLUMNS)]
        if not carrying:
            return
        codes = [r.values["customer_code"] for r in carrying if r.values.get("customer_code")]
        known = _by_code(session, codes)
        figures = service.figures_of(session, customer_ids=[c.id for c in known.values()])
        zero = Decimal(0)
        for row in carrying:
            customer = known.get(row.values.get("customer_code") or "")
            current = figures.get(customer.id) if customer is not None else None
            for column in COMPUTED_COLUMNS:
                value = row.values.get(column)
                expected = getattr(current, column) if current is not None else zero
                if value is not None and value != expected:
                    report.error(
                        row.number,
                        column,
                        f"Computed from sales ({expected.normalize():f}); it cannot be"
                        " imported. Leave it as exported, empty it or remove the column.",
                    )

    return check


def _row_check(today: date) -> Callable[[ParsedRow, Report], None]:
    def check(row: ParsedRow, report: Report) -> None:
        values = row.values
        born = values.get("date_of_birth")
        if born is not None:
            try:
                values["date_of_birth"] = parse_birth_date(born, today=today)
            except InvalidInput:
                report.warning(
                    row.number,
                    "date_of_birth",
                    f"The date of birth {born!r} cannot be read; it will be left empty.",
                )
                values["date_of_birth"] = None
        if not any(values.get(f) for f in ("first_name", "last_name", "company_name")):
            report.warning(row.number, None, "This customer has no first or last name.")
        # An empty flag cell leaves the flag as it is (False for a new customer).
        profile = {
            k: v
            for k, v in values.items()
            if k in _PROFILE_FIELDS and not (k in FLAG_FIELDS and v is None)
        }
        try:
            values["_clean"] = clean_fields(profile, today=today)
        except InvalidInput as error:
            report.error(row.number, error.details.get("field"), error.message)

    return check


_PROFILE_FIELDS = set(PROFILE_COLUMNS) - {"customer_group_name"}


def validate_customers(
    session: Session, table: Table, *, progress: Progress | None = None
) -> ValidationResult:
    zone = ZoneInfo(store.get_retailer(session).time_zone)
    schema = _schema(utcnow().astimezone(zone).date(), _computed_check(session))
    return validate_table(table, schema, progress=progress)


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    updated: int
    groups_created: int


def import_customers(
    uow: UnitOfWork,
    *,
    result: ValidationResult,
    user_id: uuid.UUID | None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Write a validated file: all rows or none. Errors must have been fixed first; the
    warnings are the caller's to accept ("continue anyway")."""
    if not result.ok:
        raise InvalidInput("the file has errors: fix them and import it again")
    session = uow.session
    rows = result.rows
    codes = [r.values["customer_code"] for r in rows if r.values.get("customer_code")]
    existing = _by_code(session, codes)
    group_ids, groups_created = _groups_for(session, rows)
    created = updated = 0
    for done, row in enumerate(rows, start=1):
        values = dict(row.values["_clean"])
        if values.get("customer_code") is None:
            values.pop("customer_code", None)  # a new customer without one gets a code
        group_name = row.values.get("customer_group_name")
        if group_name:
            values["customer_group_id"] = group_ids[group_name.strip().lower()]
        try:
            current = existing.get(values.get("customer_code") or "")
            if current is not None:
                service.apply_import(session, current, values, user_id=user_id)
                updated += 1
            else:
                service.add_customer(
                    session,
                    values=values,
                    source=service.ConsentSource.IMPORT,
                    user_id=user_id,
                    require_name=False,
                )
                created += 1
        except InvalidInput as error:
            # Validation checked each cell; what is left is a rule across rows or the
            # database (a code taken by a deleted customer...): name the row and stop.
            raise InvalidInput(f"row {row.number}: {error.message}", **error.details) from error
        if done % IMPORT_CHUNK == 0:
            session.flush()
            if progress is not None:
                progress(done, len(rows))
    fiscal_events.data_imported(uow.session, what="customers", rows=len(rows))
    uow.commit()
    if progress is not None:
        progress(len(rows), len(rows))
    return ImportOutcome(created=created, updated=updated, groups_created=groups_created)


def _by_code(session: Session, codes: Sequence[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for start in range(0, len(codes), IMPORT_CHUNK):
        chunk = codes[start : start + IMPORT_CHUNK]
        for customer in session.scalars(select(Customer).where(Customer.customer_code.in_(chunk))):
            found[customer.customer_code] = customer
    return found


def _groups_for(session: Session, rows: Sequence[ParsedRow]) -> tuple[dict[str, uuid.UUID], int]:
    """Group ids by lower-cased name; the groups a file names that do not exist yet are
    created (shops add groups by CSV too)."""
    wanted = {
        str(r.values["customer_group_name"]).strip(): None
        for r in rows
        if r.values.get("customer_group_name")
    }
    ids: dict[str, uuid.UUID] = {}
    created = 0
    for name in wanted:
        group = groups.find_group(session, name=name)
        if group is None:
            group = groups.add_group(session, name=name)
            created += 1
        ids[name.lower()] = group.id
    return ids, created


def export_customer_list(
    uow: UnitOfWork,
    *,
    file_format: str,
    actor_id: uuid.UUID | None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> list[list[Any]]:
    """Every live customer's export row. Each export of the whole list is a security
    event: who (None from the command line), from where, how many rows, never their data."""
    rows = list(export_rows(uow.reader))
    via = "cli" if actor_id is None else "web"
    record_event(
        uow.session,
        action=SecurityAction.CUSTOMERS_EXPORTED,
        user_id=actor_id,
        actor_id=actor_id,
        ip=ip,
        user_agent=user_agent,
        details={"rows": len(rows), "format": file_format, "via": via},
    )
    uow.commit()
    return rows


def export_rows(session: Session) -> Iterator[list[Any]]:
    """One row per live customer, in the EXPORT_COLUMNS order, oldest first."""
    names = {g.id: g.name for g in session.scalars(select(CustomerGroup))}
    query = (
        select(Customer)
        .where(Customer.deleted_at.is_(None))
        .order_by(Customer.created_at, Customer.id)
        .execution_options(yield_per=IMPORT_CHUNK)
    )
    batch: list[Customer] = []

    def flush() -> Iterator[list[Any]]:
        figures = service.figures_of(session, customer_ids=[c.id for c in batch])
        for customer in batch:
            yield _export_row(customer, names.get(customer.customer_group_id), figures[customer.id])
        batch.clear()

    for customer in session.scalars(query):
        batch.append(customer)
        if len(batch) == IMPORT_CHUNK:
            yield from flush()
    if batch:
        yield from flush()


def _export_row(
    customer: Customer, group: str | None, figures: service.CustomerFigures
) -> list[Any]:
    row: list[Any] = []
    for column in PROFILE_COLUMNS:
        if column == "customer_group_name":
            row.append(group)
        elif column == "date_of_birth":
            row.append(customer.date_of_birth.isoformat() if customer.date_of_birth else None)
        elif column in FLAG_FIELDS:
            row.append(1 if getattr(customer, column) else 0)
        elif column == "on_account_limit":
            limit = customer.on_account_limit
            row.append(None if limit is None else format(limit.normalize(), "f"))
        else:
            row.append(getattr(customer, column))
    row.extend(
        format(value.normalize(), "f")
        for value in (
            figures.year_to_date,
            figures.balance,
            figures.loyalty_balance,
            figures.store_credit,
        )
    )
    return row
