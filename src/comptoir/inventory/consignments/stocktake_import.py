"""Counts imported from a file (CSV, XLSX, XLS) through the import engine (comptoir.io).

The file has a `quantity` column and a `sku` or a `barcode` column (or both; a row may use
either). Each row is checked: a quantity that is not a non-negative number and a code that
names no product are errors; the file then comes back with an `errors` column to fix and
upload again, or the user counts the other rows anyway ("continue anyway"). The rows are
counted by `stocktakes.count_products` under the import's id as delivery id, so an import
counted twice (a retry) adds nothing the second time. The upload and its outcome live in an
`import_job` row (kind "stocktake_counts"), as customer imports do.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, ProductCode
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.errors import Conflict, DomainError, InvalidInput
from comptoir.core.i18n import N_
from comptoir.inventory.consignments import stocktakes
from comptoir.inventory.consignments.common import quantity_of
from comptoir.io import (
    Column,
    Issue,
    ParsedRow,
    Report,
    Schema,
    TabularError,
    ValidationResult,
    jobs,
    read_table,
    validate,
    write_error_file,
)

KIND = "stocktake_counts"
SHOWN = 100
COUNTED, ERRORS, UNREADABLE = "imported", "errors", "unreadable"
BAD_QUANTITY = N_("The quantity must be a number, 0 or more, with at most 5 decimals.")
NO_CODE = N_("Give a SKU or a barcode.")
UNKNOWN_CODE = N_("No product has this SKU or barcode.")


def _quantity(text: str) -> Decimal:
    try:
        return quantity_of(text.replace(",", "."), field="quantity")
    except InvalidInput:
        raise ValueError(BAD_QUANTITY) from None


def _schema(session: Session) -> Schema:
    def codes_known(rows: Sequence[ParsedRow], report: Report) -> None:
        skus = {r.values.get("sku") for r in rows if r.values.get("sku")}
        barcodes = {r.values.get("barcode") for r in rows if r.values.get("barcode")}
        by_sku = _lookup(session, Product.sku, skus)
        by_barcode = _lookup(session, ProductCode.code, barcodes)
        for row in rows:
            barcode, sku = row.values.get("barcode"), row.values.get("sku")
            if not barcode and not sku:
                report.error(row.number, None, NO_CODE)
                continue
            found = by_barcode.get(barcode) if barcode else None
            found = found or (by_sku.get(sku) if sku else None)
            if found is None:
                report.error(row.number, "barcode" if barcode and not sku else "sku", UNKNOWN_CODE)
            row.values["_product_id"] = found

    return Schema(
        columns=(
            Column("sku", aliases=("SKU", "handle_sku")),
            Column("barcode", aliases=("ean", "code")),
            Column(
                "quantity",
                required=True,
                not_empty=True,
                parse=_quantity,
                aliases=("count", "counted", "quantité"),
            ),
        ),
        table_checks=(codes_known,),
    )


def _lookup(session: Session, column: Any, codes: set[Any]) -> dict[str, uuid.UUID]:
    found: dict[str, uuid.UUID] = {}
    wanted = sorted(codes)
    product_id = ProductCode.product_id if column is ProductCode.code else Product.id
    for start in range(0, len(wanted), 500):
        query = select(column, product_id).where(column.in_(wanted[start : start + 500]))
        if column is ProductCode.code:
            query = query.join(Product, Product.id == ProductCode.product_id)
        for code, pid in session.execute(query.where(Product.deleted_at.is_(None))):
            found.setdefault(code, pid)
    return found


def submit(
    db: Database,
    *,
    consignment_id: uuid.UUID,
    filename: str,
    content: bytes,
    user_id: uuid.UUID | None,
    locale: str,
) -> uuid.UUID:
    """Record the upload, check it, and count it when every row is right."""
    with db.read_sessions() as session:
        stocktakes.get_stocktake(session, consignment_id)
    with db.write_sessions() as session, session.begin():
        job = jobs.create_job(
            session, kind=KIND, filename=filename, content=content, user_id=user_id, locale=locale
        )
        job.result = {"consignment_id": str(consignment_id)}
        job_id = job.id
    _run(db, job_id, skip_errors=False)
    return job_id


def continue_anyway(db: Database, *, job_id: uuid.UUID) -> None:
    """Count the rows without errors of a file that had some."""
    with db.read_sessions() as session:
        job = jobs.get_job(session, job_id=job_id, kind=KIND)
        if job.status != ERRORS or job.content is None:
            raise Conflict("this import cannot be continued", status=job.status)
    _run(db, job_id, skip_errors=True)


def get(session: Session, *, job_id: uuid.UUID) -> jobs.ImportJob:
    return jobs.get_job(session, job_id=job_id, kind=KIND)


def consignment_of(job: jobs.ImportJob) -> uuid.UUID:
    return uuid.UUID((job.result or {})["consignment_id"])


def _run(db: Database, job_id: uuid.UUID, *, skip_errors: bool) -> None:
    with db.read_sessions() as session:
        job = jobs.get_job(session, job_id=job_id, kind=KIND)
        content, filename, user_id = job.content or b"", job.filename, job.user_id
        consignment_id = consignment_of(job)
    base = {"consignment_id": str(consignment_id)}
    try:
        table = read_table(content, filename=filename)
    except TabularError as error:
        _finish(db, job_id, UNREADABLE, {**base, "message": str(error)})
        return
    with db.read_sessions() as session:
        result = validate(table, _schema(session))
    bad_rows = {issue.row for issue in result.errors}
    if not result.ok and (not skip_errors or None in bad_rows):
        error_file, extension = write_error_file(table, result)
        stem = PurePath(filename).stem or "counts"
        _finish(
            db,
            job_id,
            ERRORS,
            {**base, **_issues(result), "good_rows": _good(result, bad_rows)},
            keep_content=True,
            error_file=error_file,
            error_file_name=f"{stem}-errors.{extension}",
        )
        return
    counts = [
        (row.values["_product_id"], row.values["quantity"])
        for row in result.rows
        if row.number not in bad_rows and row.values.get("_product_id") is not None
    ]
    try:
        if counts:
            with db.unit_of_work() as uow:
                stocktakes.count_products(
                    uow,
                    consignment_id=consignment_id,
                    counts=counts,
                    user_id=user_id,
                    delivery_id=job_id,
                )
                uow.commit()
    except DomainError as error:
        _finish(db, job_id, UNREADABLE, {**base, "message": error.message})
        return
    summary = {"rows": len(counts), "skipped": len(bad_rows - {None})}
    _finish(db, job_id, COUNTED, {**base, **_issues(result), "summary": summary})


def _good(result: ValidationResult, bad_rows: set[int | None]) -> int:
    return sum(1 for row in result.rows if row.number not in bad_rows)


def _issues(result: ValidationResult) -> dict[str, Any]:
    def plain(issue: Issue) -> dict[str, Any]:
        return {"row": issue.row, "column": issue.column, "message": issue.message}

    return {
        "errors": [plain(i) for i in result.errors[:SHOWN]],
        "error_count": len(result.errors),
        "warnings": [plain(i) for i in result.warnings[:SHOWN]],
        "warning_count": len(result.warnings),
    }


def _finish(
    db: Database,
    job_id: uuid.UUID,
    status: str,
    result: dict[str, Any],
    *,
    keep_content: bool = False,
    **values: Any,
) -> None:
    if not keep_content:
        values["content"] = None
    jobs.write(db, job_id, status=status, result=result, finished_at=utcnow(), **values)
