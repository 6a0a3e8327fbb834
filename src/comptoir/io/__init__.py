"""Tabular import/export engine (CSV/XLSX/XLS, validation, error files, progress).

It knows no business format: callers describe their columns with `Column`,
`ColumnPattern` and `Schema`.

    table = read_table(data, filename="products.csv", progress=on_progress)
    result = validate(table, schema, progress=on_progress)
    if not result.ok:
        content, ext = write_error_file(table, result)

See the catalog issue (#4).
"""

from comptoir.io.reading import Format, Limits, Progress, Row, Table, TabularError, read_table
from comptoir.io.schema import (
    ERROR_COLUMN,
    Column,
    ColumnPattern,
    Issue,
    ParsedRow,
    Report,
    Schema,
    ValidationResult,
    unique,
    validate,
)
from comptoir.io.writing import neutralise, write_csv, write_error_file, write_xlsx

__all__ = [
    "ERROR_COLUMN",
    "Column",
    "ColumnPattern",
    "Format",
    "Issue",
    "Limits",
    "ParsedRow",
    "Progress",
    "Report",
    "Row",
    "Schema",
    "Table",
    "TabularError",
    "ValidationResult",
    "neutralise",
    "read_table",
    "unique",
    "validate",
    "write_csv",
    "write_error_file",
    "write_xlsx",
]
