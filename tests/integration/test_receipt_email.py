"""Email receipts through a real SMTP server (aiosmtpd on 127.0.0.1): queued in the sale's
transaction when the store emails receipts, sent after commit by the outbox with the receipt
as a PDF attachment, retried when the server refuses, and visible on the sale's page."""

from __future__ import annotations

import email
import io
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pypdf import PdfReader

from comptoir.accounts import mail
from comptoir.core.settings import Settings
from comptoir.printing.jobs import RECEIPT_EMAIL_TOPIC
from comptoir.printing.receipt_mail import email_deliveries
from comptoir.store import service as store
from tests.factories import Store, csrf_of, make_customer, make_product, make_sale
from tests.integration.printing_support import dispatcher, free_port, messages_of
from tests.integration.test_outbox import make_due


class Inbox:
    """An SMTP server's mailbox; refuses the first `refusals` messages with a 451."""

    def __init__(self, refusals: int = 0) -> None:
        self.messages: list[Message] = []
        self.refusals = refusals

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusals > 0:
            self.refusals -= 1
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mail.configure(
        Settings(
            database_url="sqlite://",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="shop@example.com",
        )
    )
    try:
        yield handler
    finally:
        controller.stop()
        mail.configure(Settings(database_url="sqlite://"))


def email_receipts(shop: Store, on: bool = True) -> None:
    with shop.uow() as uow:
        store.get_retailer(uow.session).email_receipts = on
        uow.commit()


def pdf_text(message: Message) -> str:
    (attachment,) = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    data = attachment.get_payload(decode=True)
    assert isinstance(data, bytes)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def html_of(message: Message) -> str:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/html"]
    body = part.get_payload(decode=True)
    assert isinstance(body, bytes)
    return body.decode()


def test_a_sale_emails_its_receipt_with_the_pdf_when_the_store_enables_it(
    shop: Store, inbox: Inbox
) -> None:
    email_receipts(shop)
    ada = make_customer(shop, first_name="Ada", email="ada@example.com")
    mug = make_product(shop, name="Mug", price="12.00")
    sale = make_sale(shop, [(mug, 2)], total="24.00", customer_id=ada.id)
    assert inbox.messages == []  # sent after the commit, by the outbox
    dispatcher(shop.db)()
    (message,) = inbox.messages
    assert message["To"] == "ada@example.com" and message["From"] == "shop@example.com"
    assert sale.invoice_number in message["Subject"]
    assert "Mug" in html_of(message) and "€24.00" in html_of(message)
    text = pdf_text(message)
    assert sale.invoice_number in text and "Mug" in text and "24.00" in text
    with shop.db.read_sessions() as session:
        (delivery,) = email_deliveries(session, sale_id=sale.id)
    assert delivery.state == "sent"


def test_a_refused_delivery_is_retried_until_the_server_accepts_it(
    shop: Store, inbox: Inbox
) -> None:
    inbox.refusals = 1
    email_receipts(shop)
    ada = make_customer(shop, first_name="Ada", email="ada@example.com")
    mug = make_product(shop, name="Mug", price="12.00")
    sale = make_sale(shop, [(mug, 1)], total="12.00", customer_id=ada.id)
    deliver = dispatcher(shop.db)
    deliver()
    assert inbox.messages == []
    with shop.db.read_sessions() as session:
        (failing,) = email_deliveries(session, sale_id=sale.id)
    assert failing.state == "failing" and "451" in (failing.last_error or "")
    make_due(shop.db)
    deliver()
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "ada@example.com"
    with shop.db.read_sessions() as session:
        (sent,) = email_deliveries(session, sale_id=sale.id)
    assert sent.state == "sent" and sent.attempts == 1


def test_no_email_when_the_store_does_not_enable_it_or_the_customer_has_no_address(
    shop: Store, inbox: Inbox
) -> None:
    mug = make_product(shop, name="Mug", price="12.00")
    ada = make_customer(shop, first_name="Ada", email="ada@example.com")
    make_sale(shop, [(mug, 1)], total="12.00", customer_id=ada.id)  # setting off
    assert messages_of(shop.db, RECEIPT_EMAIL_TOPIC) == []
    email_receipts(shop)
    make_sale(shop, [(mug, 1)], total="12.00")  # no customer: nothing queued
    assert messages_of(shop.db, RECEIPT_EMAIL_TOPIC) == []
    bob = make_customer(shop, first_name="Bob")
    quiet = make_customer(shop, first_name="Cy", email="cy@example.com", do_not_email=True)
    make_sale(shop, [(mug, 1)], total="12.00", customer_id=bob.id)
    make_sale(shop, [(mug, 1)], total="12.00", customer_id=quiet.id)
    dispatcher(shop.db)()
    assert inbox.messages == []
    assert all(m.delivered_at for m in messages_of(shop.db, RECEIPT_EMAIL_TOPIC))


def test_the_sale_page_emails_the_receipt_and_shows_its_delivery(
    browser: TestClient, shop: Store, inbox: Inbox
) -> None:
    ada = make_customer(shop, first_name="Ada", email="ada@example.com")
    mug = make_product(shop, name="Mug", price="12.00")
    sale = make_sale(shop, [(mug, 1)], total="12.00", customer_id=ada.id)
    page = browser.get(f"/sales/{sale.id}").text
    reply = browser.post(
        f"/sales/{sale.id}/email-receipt", data={"csrf": csrf_of(page)}, follow_redirects=True
    )
    assert 'data-testid="email-delivery-queued"' in reply.text
    dispatcher(shop.db)()
    assert [m["To"] for m in inbox.messages] == ["ada@example.com"]
    page = browser.get(f"/sales/{sale.id}").text
    assert 'data-testid="email-delivery-sent"' in page and "ada@example.com" in page
