from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base
from comptoir.core.ids import new_id


class DiscountApproval(Base):
    """A manager's approval of a discount beyond the cashier's limit, for one sale.

    Given with the manager's PIN or password at the register; single use (`used_at`), bound
    to the sale's id and short-lived, so a cashier cannot keep one for later sales.
    """

    __tablename__ = "discount_approval"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sale_id: Mapped[uuid.UUID] = mapped_column(index=True)
    approver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    # The largest discount percent approved (of any line or of the whole sale).
    max_percent: Mapped[Decimal]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
