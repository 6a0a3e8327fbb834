"""Products, barcodes and (later) variants, composites, brands, suppliers, search, labels."""
