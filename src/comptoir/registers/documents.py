"""A closure (or an X report) as a document: the same sections for the 80 mm page, the A4
PDF (reportlab) and the manager's email, so the three always show the same figures.

`ClosureDocument` holds only plain values (it travels in the outbox as JSON: the email
handler has no database); `closure_sections` turns it into titled rows of formatted text.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.core import i18n
from comptoir.core.i18n import N_
from comptoir.registers.figures import (
    COUNTED_FROM_PROVIDER,
    COUNTED_FROM_RECORDED,
    Figures,
    PaymentFigure,
    figures_from_json,
    figures_to_json,
)
from comptoir.registers.models import RegisterSession
from comptoir.store import service as store

MOVEMENT_LABELS = {
    "CASH_IN": N_("Cash in"),
    "CASH_OUT": N_("Cash out"),
    "PETTY_CASH_IN": N_("Petty cash in"),
    "PETTY_CASH_OUT": N_("Petty cash out"),
}
# Where an integrated payment type's count at closing came from.
COUNTED_FROM_TEXT = {
    COUNTED_FROM_PROVIDER: N_("Counted from the provider's totals"),
    COUNTED_FROM_RECORDED: N_(
        "The provider could not be reached: counted from the recorded payments"
    ),
}


@dataclass
class CountLine:
    name: str
    expected: str
    counted: str
    difference: str
    note: str | None
    automatic: bool


@dataclass
class ClosureDocument:
    store: str
    outlet: str
    register: str
    time_zone: str
    opened_by: str
    closed_by: str | None
    note: str | None
    figures: dict[str, Any]  # figures_to_json
    counts: list[CountLine]

    @property
    def parsed(self) -> Figures:
        return figures_from_json(self.figures)


def build_document(
    session: Session, *, register_session: RegisterSession, figures: Figures
) -> ClosureDocument:
    register = store.get_register(session, register_id=register_session.register_id)

    def name(user_id: uuid.UUID | None) -> str | None:
        user = session.get(User, user_id) if user_id else None
        return user.display_name if user else None

    return ClosureDocument(
        store=store.get_retailer(session).name,
        outlet=register.outlet.name,
        register=register.name,
        time_zone=register.outlet.time_zone,
        opened_by=name(register_session.opened_by) or "",
        closed_by=name(register_session.closed_by),
        note=register_session.closing_note,
        figures=figures_to_json(figures),
        counts=[
            CountLine(
                name=c.name,
                expected=str(c.expected),
                counted=str(c.counted),
                difference=str(c.difference),
                note=c.note,
                automatic=c.counted_automatically,
            )
            for c in register_session.counts
        ],
    )


def document_to_json(document: ClosureDocument) -> dict[str, Any]:
    return asdict(document)


def document_from_json(data: dict[str, Any]) -> ClosureDocument:
    values = dict(data)
    values["counts"] = [CountLine(**c) for c in data["counts"]]
    return ClosureDocument(**values)


@dataclass
class Section:
    title: str
    rows: list[tuple[str, ...]]
    header: tuple[str, ...] | None = None


def closure_sections(document: ClosureDocument) -> list[Section]:
    """The document's titled tables, translated and formatted in the current locale."""
    _ = i18n.gettext_
    f = document.parsed

    def money(value: Decimal | str) -> str:
        return i18n.format_money(Decimal(value), f.currency)

    def when(value: Any) -> str:
        return i18n.format_datetime(value, document.time_zone) if value else ""

    sections = [
        Section(
            _("Session"),
            [
                (_("Register"), f"{document.register} ({document.outlet})"),
                (_("Closure number"), str(f.sequence)),
                (_("Opened"), f"{when(f.opened_at)} · {document.opened_by}"),
                (
                    _("Closed"),
                    f"{when(f.closed_at)} · {document.closed_by or ''}"
                    if f.closed_at
                    else _("Still open (X report)"),
                ),
                (_("Opening float"), money(f.opening_float)),
            ],
        ),
        Section(
            _("Sales"),
            [
                (_("Sales"), str(f.sales.count), money(f.sales.total)),
                (_("Returns"), str(f.returns.count), money(f.returns.total)),
                (_("Net sales"), "", money(f.net_total)),
                (
                    _("Discounts (excluding tax)"),
                    "",
                    money(f.sales.discounts + f.returns.discounts),
                ),
                (_("Tax"), "", money(f.sales.tax + f.returns.tax)),
            ],
            header=("", _("Count"), _("Total")),
        ),
        Section(
            _("Taxes by rate"),
            [(t.name, money(t.net), money(t.tax), money(t.gross)) for t in f.taxes],
            header=(_("Tax"), _("Excluding tax"), _("Tax"), _("Including tax")),
        ),
        Section(
            _("Payments"),
            [
                (_payment_name(p), str(p.count), money(p.taken), money(p.refunded))
                for p in f.payments
            ],
            header=(_("Payment type"), _("Count"), _("Taken"), _("Given back")),
        ),
        Section(
            _("Cash movements"),
            [(_(MOVEMENT_LABELS[m.kind]), str(m.count), money(m.total)) for m in f.movements],
            header=("", _("Count"), _("Total")),
        ),
    ]
    terminals = [p for p in f.payments if p.counted_from]
    if terminals:
        sections.append(
            Section(
                _("Card terminals"),
                [(_payment_name(p), _(COUNTED_FROM_TEXT[p.counted_from or ""])) for p in terminals],
            )
        )
    if document.counts:
        sections.append(
            Section(
                _("Counted"),
                [
                    (
                        c.name,
                        money(c.expected),
                        money(c.counted) + (" *" if c.automatic else ""),
                        money(c.difference),
                        c.note or "",
                    )
                    for c in document.counts
                ],
                header=(_("Payment type"), _("Expected"), _("Counted"), _("Difference"), _("Note")),
            )
        )
    else:
        sections.append(Section(_("Expected"), [(_("Cash in the drawer"), money(f.cash_expected))]))
    return sections


def _payment_name(payment: PaymentFigure) -> str:
    """A payment type, with its processor when a provider took its payments."""
    return f"{payment.name} ({payment.provider})" if payment.provider else payment.name


def closure_pdf(document: ClosureDocument) -> bytes:
    """The closure on A4."""
    _ = i18n.gettext_
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=_("Register closure")
    )
    story: list[Any] = [
        Paragraph(document.store, styles["Title"]),
        Paragraph(_("Register closure") if document.counts else _("X report"), styles["Heading2"]),
    ]
    for section in closure_sections(document):
        story.append(Paragraph(section.title, styles["Heading3"]))
        rows = ([list(section.header)] if section.header else []) + [list(r) for r in section.rows]
        if not rows:
            continue
        table = Table(rows, hAlign="LEFT")
        style = [
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ]
        if section.header:
            style.append(("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"))
        table.setStyle(TableStyle(style))
        story += [table, Spacer(1, 4 * mm)]
    for warning in document.parsed.warnings:
        story.append(Paragraph(_(warning), styles["Normal"]))
    if document.note:
        story.append(Paragraph(document.note, styles["Normal"]))
    pdf.build(story)
    return out.getvalue()
