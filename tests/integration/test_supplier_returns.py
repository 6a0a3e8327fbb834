"""Returns to a supplier: a reason is required; sending removes the stock (valued at the
outlet's average cost) and produces a credit note PDF, emailed to the supplier through the
outbox when the supplier has an email; a sent return no longer changes."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal
from email.message import EmailMessage

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from comptoir.catalog import entities
from comptoir.catalog.models import Supplier
from comptoir.core.errors import InvalidInput
from comptoir.core.ids import new_id
from comptoir.core.outbox import OutboxMessage
from comptoir.inventory.consignments import credit_note_mail
from comptoir.inventory.consignments.common import LineInput, lines_of
from comptoir.inventory.consignments.credit_note import build_credit_note
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import Consignment, ConsignmentStatus
from comptoir.inventory.consignments.supplier_returns import (
    CREDIT_NOTE_EMAIL_TOPIC,
    cancel_supplier_return,
    change_return_lines,
    create_supplier_return,
    credit_note_pdf,
    send_supplier_return,
)
from comptoir.inventory.models import InventoryLevel, InventoryMovement, MovementKind
from tests.factories import Store, make_product


def make_supplier(shop: Store, *, email: str | None = "orders@acme.example") -> Supplier:
    with shop.uow() as uow:
        return entities.create_supplier(
            uow, fields=entities.SupplierFields(name="Acme", email=email, physical_city="Lyon")
        )


def open_return(
    shop: Store, supplier: Supplier, lines: list[LineInput], reason: str = "Damaged"
) -> uuid.UUID:
    with shop.uow() as uow:
        consignment = create_supplier_return(
            uow, outlet_id=shop.outlet.id, supplier_id=supplier.id, reason=reason,
            user_id=shop.owner.id,
        )  # fmt: skip
        change_return_lines(uow, consignment_id=consignment.id, lines=lines, user_id=shop.owner.id)
        uow.commit()
        return consignment.id


def send(shop: Store, return_id: uuid.UUID) -> None:
    with shop.uow() as uow:
        send_supplier_return(uow, consignment_id=return_id, user_id=shop.owner.id)
        uow.commit()


def level(shop: Store, product_id: uuid.UUID) -> tuple[Decimal, Decimal]:
    with shop.db.read_sessions() as session:
        row = session.execute(
            select(InventoryLevel.count, InventoryLevel.value).where(
                InventoryLevel.product_id == product_id,
                InventoryLevel.outlet_id == shop.outlet.id,
            )
        ).one()
    return row[0], row[1]


def assert_level_matches_ledger(shop: Store, product_id: uuid.UUID) -> None:
    with shop.db.read_sessions() as session:
        quantity, value = session.execute(
            select(func.sum(InventoryMovement.quantity), func.sum(InventoryMovement.value)).where(
                InventoryMovement.product_id == product_id,
                InventoryMovement.outlet_id == shop.outlet.id,
            )
        ).one()
    assert level(shop, product_id) == (Decimal(quantity), Decimal(value))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_sending_a_return_removes_the_stock_and_gives_a_credit_note(shop: Store) -> None:
    acme = make_supplier(shop)
    mug = make_product(shop, name="Blue mug", sku="MUG-1", stock=10, supply_price="4.00")
    return_id = open_return(
        shop, acme, [LineInput(mug.id, count=Decimal(3))], reason="Damaged in the box"
    )
    send(shop, return_id)
    assert level(shop, mug.id) == (Decimal(7), Decimal(28))
    assert_level_matches_ledger(shop, mug.id)
    with shop.db.read_sessions() as session:
        consignment = session.get(Consignment, return_id)
        assert consignment is not None
        assert consignment.status == ConsignmentStatus.SENT.value
        assert consignment.reference and consignment.reference.startswith("RET-")
        kinds = session.scalars(
            select(InventoryMovement.kind).where(InventoryMovement.source_id == return_id)
        ).all()
        assert kinds == [MovementKind.SUPPLIER_RETURN.value]
        note = build_credit_note(session, consignment)
        assert (note.supplier, note.reason, note.total, note.total_quantity) == (
            "Acme", "Damaged in the box", "12.00", "3.00000",
        )  # fmt: skip
        data = credit_note_pdf(session, consignment_id=return_id, locale="en")
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in ("Acme", "Main", "Blue mug", "MUG-1", "Damaged in the box",
                     consignment.reference, "€4.00", "€12.00"):  # fmt: skip
        assert expected in text, expected


def test_a_return_line_costs_the_supply_price_unless_given(shop: Store) -> None:
    acme = make_supplier(shop)
    mug = make_product(shop, stock=10, supply_price="4.00")
    cup = make_product(shop, stock=10, supply_price="2.00")
    return_id = open_return(
        shop,
        acme,
        [
            LineInput(mug.id, count=Decimal(1)),
            LineInput(cup.id, count=Decimal(2), cost=Decimal("1.5")),
        ],
    )
    with shop.db.read_sessions() as session:
        lines = lines_of(session, return_id)
    assert (lines[mug.id].cost, lines[cup.id].cost) == (Decimal(4), Decimal("1.5"))


def test_the_credit_note_is_emailed_to_a_supplier_with_an_email(
    shop: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = make_supplier(shop)
    mug = make_product(shop, name="Blue mug", stock=10)
    send(shop, open_return(shop, acme, [LineInput(mug.id, count=Decimal(2))]))
    with shop.db.read_sessions() as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == CREDIT_NOTE_EMAIL_TOPIC)
        ).all()
    assert len(messages) == 1
    sent: list[EmailMessage] = []
    monkeypatch.setattr(credit_note_mail, "send", sent.append)
    credit_note_mail.send_credit_note_email(dict(messages[0].payload))
    assert sent[0]["To"] == "orders@acme.example"
    attachment = next(sent[0].iter_attachments())
    assert "Blue mug" in pdf_text(attachment.get_content())


def test_no_email_is_queued_for_a_supplier_without_one(shop: Store) -> None:
    acme = make_supplier(shop, email=None)
    mug = make_product(shop, stock=10)
    send(shop, open_return(shop, acme, [LineInput(mug.id, count=Decimal(2))]))
    with shop.db.read_sessions() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.topic == CREDIT_NOTE_EMAIL_TOPIC)
            )
            == 0
        )


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 201])
def test_a_return_needs_a_reason(shop: Store, reason: str | None) -> None:
    acme = make_supplier(shop)
    with shop.uow() as uow, pytest.raises(InvalidInput) as refused:
        create_supplier_return(
            uow, outlet_id=shop.outlet.id, supplier_id=acme.id, reason=reason, user_id=None
        )
    assert refused.value.details["field"] == "reason"


def test_a_return_to_an_unknown_supplier_is_refused(shop: Store) -> None:
    with shop.uow() as uow, pytest.raises(InvalidInput):
        create_supplier_return(
            uow, outlet_id=shop.outlet.id, supplier_id=new_id(), reason="Damaged", user_id=None
        )


@pytest.mark.parametrize(
    "line",
    [
        LineInput(new_id(), count=Decimal(1)),
        LineInput(uuid.UUID(int=0), count=Decimal(-1)),
        LineInput(uuid.UUID(int=0), count=Decimal(1), cost=Decimal(-2)),
    ],
)
def test_bad_return_lines_change_nothing(shop: Store, line: LineInput) -> None:
    acme = make_supplier(shop)
    mug = make_product(shop, stock=10)
    return_id = open_return(shop, acme, [])
    if line.product_id.int == 0:
        line = LineInput(mug.id, count=line.count, cost=line.cost)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        change_return_lines(uow, consignment_id=return_id, lines=[line], user_id=None)
    with shop.db.read_sessions() as session:
        assert lines_of(session, return_id) == {}
    with shop.uow() as uow, pytest.raises(InvalidInput):
        send_supplier_return(uow, consignment_id=return_id, user_id=None)  # nothing to return


def test_a_sent_return_can_no_longer_change_or_be_cancelled(shop: Store) -> None:
    acme = make_supplier(shop)
    mug = make_product(shop, stock=10)
    return_id = open_return(shop, acme, [LineInput(mug.id, count=Decimal(2))])
    send(shop, return_id)
    for attempt in (
        lambda uow: change_return_lines(
            uow,
            consignment_id=return_id,
            lines=[LineInput(mug.id, count=Decimal(5))],
            user_id=None,
        ),
        lambda uow: send_supplier_return(uow, consignment_id=return_id, user_id=None),
        lambda uow: cancel_supplier_return(uow, consignment_id=return_id, user_id=None),
    ):
        with shop.uow() as uow, pytest.raises(ConsignmentStateError):
            attempt(uow)
    assert level(shop, mug.id)[0] == Decimal(8)
    assert_level_matches_ledger(shop, mug.id)


def test_a_cancelled_return_moves_no_stock(shop: Store) -> None:
    acme = make_supplier(shop)
    mug = make_product(shop, stock=10)
    return_id = open_return(shop, acme, [LineInput(mug.id, count=Decimal(2))])
    with shop.uow() as uow:
        cancel_supplier_return(uow, consignment_id=return_id, user_id=None)
        uow.commit()
    assert level(shop, mug.id)[0] == Decimal(10)
    with shop.uow() as uow, pytest.raises(ConsignmentStateError):
        send_supplier_return(uow, consignment_id=return_id, user_id=None)


def test_the_credit_note_reads_in_french(shop: Store) -> None:
    acme = make_supplier(shop)
    mug = make_product(shop, name="Bol bleu", stock=2000, supply_price="4.00")
    return_id = open_return(shop, acme, [LineInput(mug.id, count=Decimal(1000))], reason="Abîmé")
    send(shop, return_id)
    with shop.db.read_sessions() as session:
        text = pdf_text(credit_note_pdf(session, consignment_id=return_id, locale="fr"))
    assert "Abîmé" in text and "Bol bleu" in text
    assert "4\xa0000,00\xa0€" in text or "4 000,00 €" in text
