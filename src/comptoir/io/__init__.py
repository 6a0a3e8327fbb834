"""Tabular import/export engine (CSV/XLSX/XLS, validation, error files, progress); see the catalog issue."""
