"""The stock counts and reorder settings of an import, checked against what the store has.

A count in `inventory_<Outlet>` becomes the stock on hand (through the ledger, `apply`),
only where it differs from it. A negative count is what a shop that sold past zero has, and
what Lightspeed exports: it is imported as it is, and one warning per column counts them. A
negative reorder point or restock level means nothing: it is ignored (the setting left as
it is), and counted likewise. A composite's count or a count of a product that does not
track its stock is ignored with a warning.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from comptoir.catalog.transfer import format as f
from comptoir.catalog.transfer.fields import Member
from comptoir.catalog.transfer.lookup import Snapshot
from comptoir.core.i18n import gettext_ as _
from comptoir.core.i18n import ngettext_
from comptoir.io import Report


@dataclass
class StockTarget:
    product_id: uuid.UUID
    outlet_id: uuid.UUID
    count: Decimal
    existing: bool  # False: a new product, whose stock starts at 0


@dataclass
class ReorderTarget:
    product_id: uuid.UUID
    outlet_id: uuid.UUID
    # None: leave as it is (only on existing products; a new one starts without).
    reorder_point: Decimal | None
    restock_level: Decimal | None
    existing: bool


class StockPlan:
    """Reads the members' stock cells; `targets()` gives what to write."""

    def __init__(self, snapshot: Snapshot, report: Report) -> None:
        self.store = snapshot
        self.report = report
        self.negative_counts: Counter[str] = Counter()  # column -> how many
        self.negative_levels: Counter[str] = Counter()

    def targets(self, members: Sequence[Member]) -> tuple[list[StockTarget], list[ReorderTarget]]:
        """The counts to set (only where they differ) and the reorder settings given."""
        stock: list[StockTarget] = []
        reorder: list[ReorderTarget] = []
        for member in members:
            v, existing = member.values, member.existing
            counts: dict[str, Decimal | None] = v.get("inventory") or {}
            for outlet_name, count in counts.items():
                if count is None:
                    continue
                outlet_id = self.store.outlets[outlet_name]
                if self._count_applies(member, outlet_name, outlet_id, count):
                    stock.append(StockTarget(member.id, outlet_id, count, existing is not None))
            points: dict[str, Decimal | None] = v.get("reorder_point") or {}
            levels: dict[str, Decimal | None] = v.get("restock_level") or {}
            for outlet_name in sorted(set(points) | set(levels)):
                point = self._level(f.REORDER_POINT, outlet_name, points.get(outlet_name))
                level = self._level(f.RESTOCK_LEVEL, outlet_name, levels.get(outlet_name))
                if point is not None or level is not None:
                    outlet_id = self.store.outlets[outlet_name]
                    reorder.append(
                        ReorderTarget(member.id, outlet_id, point, level, existing is not None)
                    )
        self._warn_negatives()
        return stock, reorder

    def _level(self, prefix: str, outlet_name: str, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            self.negative_levels[f.outlet_column(prefix, outlet_name)] += 1
            return None
        return value

    def _count_applies(
        self, member: Member, outlet_name: str, outlet_id: uuid.UUID, count: Decimal
    ) -> bool:
        target, existing, number = member.target, member.existing, member.number
        column = f.outlet_column(f.INVENTORY, outlet_name)
        if target["is_composite"]:
            if count:
                message = _(
                    "A composite has no stock of its own (its components' stock moves): "
                    "the count was ignored."
                )
                self.report.warning(number, column, message)
            return False
        if count == (existing.stock.get(outlet_id, 0) if existing else 0):
            return False  # already the stock on hand: nothing to move or to warn about
        if not target["has_inventory"]:
            if count:
                message = _("This product does not track its stock: the count was ignored.")
                self.report.warning(number, column, message)
            return False
        if count < 0:
            self.negative_counts[column] += 1
        elif count and not target["active"]:
            self.report.warning(number, column, _("This product is inactive but has stock."))
        return True

    def _warn_negatives(self) -> None:
        for column, count in sorted(self.negative_counts.items()):
            message = ngettext_(
                "{count} product has a negative stock count (sold before it was counted): "
                "it is imported as it is.",
                "{count} products have a negative stock count (sold before they were "
                "counted): they are imported as they are.",
                count,
            )
            self.report.warning(None, column, message.format(count=count))
        for column, count in sorted(self.negative_levels.items()):
            message = ngettext_(
                "{count} value is negative: it was ignored (the setting is left as it is).",
                "{count} values are negative: they were ignored (the settings are left as "
                "they are).",
                count,
            )
            self.report.warning(None, column, message.format(count=count))
