"""Stock control: consignments in X-Series' sense, one table for four workflows.

- SUPPLIER: a purchase order (OPEN -> SENT -> DISPATCHED -> RECEIVED, or CANCELLED);
- OUTLET: a transfer between outlets (OPEN -> SENT -> RECEIVED, or CANCELLED);
- RETURN: a return to a supplier (OPEN -> SENT, or CANCELLED);
- STOCKTAKE: a stock count (STOCKTAKE_SCHEDULED -> STOCKTAKE_IN_PROGRESS ->
  STOCKTAKE_IN_PROGRESS_PROCESSED -> STOCKTAKE_COMPLETE, or CANCELLED).

Stock moves only through `inventory.service.move_stock` (the ledger), valued by
`inventory.costing`.
"""
