"""Stock ledger and levels; later consignments, stocktakes and costing."""
