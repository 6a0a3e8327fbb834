"""Tabular import/export engine (CSV/XLSX/XLS, validation, error files, progress).

See the catalog issue.
"""
