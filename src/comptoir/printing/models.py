"""What printing stores: each outlet's receipt template, each register's printer and its state.

These tables import no other business package, so the sale's transaction can queue a print
job (`jobs.queue_sale_documents`) without importing the rendering side.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, text, true
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base

PAPER_WIDTHS = (80, 58)
PRINTER_KINDS = ("epson_escpos", "star_escpos", "star_line")
DEFAULT_PRINTER_PORT = 9100


class ReceiptTemplate(Base):
    """An outlet's receipt: its texts, logo and legal mentions (one row per outlet, optional:
    an outlet without one prints the store's name and the outlet's address only)."""

    __tablename__ = "receipt_template"

    outlet_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outlet.id", ondelete="CASCADE"), primary_key=True
    )
    header: Mapped[str | None] = mapped_column(Text, default=None)
    footer: Mapped[str | None] = mapped_column(Text, default=None)
    company_name: Mapped[str | None] = mapped_column(String(200), default=None)
    address: Mapped[str | None] = mapped_column(Text, default=None)
    siret: Mapped[str | None] = mapped_column(String(14), default=None)
    vat_number: Mapped[str | None] = mapped_column(String(20), default=None)
    return_policy: Mapped[str | None] = mapped_column(Text, default=None)
    paper_width: Mapped[int] = mapped_column(Integer, default=80, server_default=text("80"))
    # The logo, in the database with the rest (backed up with it): a PNG or JPEG of at most
    # `templates.MAX_LOGO_BYTES`, checked by `templates.check_logo` before it is stored.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    logo_type: Mapped[str | None] = mapped_column(String(20), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Printer(Base):
    """A register's network receipt printer (TCP, usually port 9100) and its last outcome."""

    __tablename__ = "register_printer"

    register_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("register.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_PRINTER_PORT, server_default=text(str(DEFAULT_PRINTER_PORT))
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The printer's state, written by the print jobs (outside the sale's transaction).
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
