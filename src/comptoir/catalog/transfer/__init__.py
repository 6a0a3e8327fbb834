"""Product spreadsheets in the Lightspeed X-Series format: import and export.

- `format`: the columns and how each cell is read;
- `service.import_products`: read, check and import a file, all or nothing;
- `export.export_products`: the catalog as the same spreadsheet;
- `lookup`, `plan`, `apply`: reading the store, planning the writes, writing them.
"""
