"""Making a payment type integrated: its provider and where that provider is reached. Who
may do it is the caller's check (setup:write, like every payment type setting)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork
from comptoir.payments import registry
from comptoir.payments.models import PaymentTypeTerminal
from comptoir.store import service as store
from comptoir.store.models import PaymentKind


@dataclass(frozen=True, kw_only=True)
class TerminalSetting:
    provider: str | None
    address: str | None


def terminal_setting(session: Session, *, payment_type_id: uuid.UUID) -> TerminalSetting:
    payment_type = store.get_payment_type(session, payment_type_id=payment_type_id)
    setting = session.get(PaymentTypeTerminal, payment_type_id)
    return TerminalSetting(
        provider=payment_type.provider, address=setting.address if setting else None
    )


def set_terminal(
    uow: UnitOfWork, *, payment_type_id: uuid.UUID, provider: str | None, address: str | None
) -> TerminalSetting:
    """`provider` None makes the type a plain one again (its address is kept)."""
    session = uow.session
    payment_type = store.get_payment_type(session, payment_type_id=payment_type_id)
    if provider:
        if provider not in registry.provider_names():
            raise InvalidInput(N_("unknown payment provider"), field="provider")
        if payment_type.type_id in (PaymentKind.CASH, PaymentKind.STORE_CREDIT):
            raise InvalidInput(
                N_("cash and store credit cannot go through a card terminal"), field="provider"
            )
        address = (address or "").strip()
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(address) > 200:
            raise InvalidInput(
                N_("the terminal's address is an http:// or https:// URL"), field="address"
            )
        setting = session.get(PaymentTypeTerminal, payment_type_id)
        if setting is None:
            session.add(PaymentTypeTerminal(payment_type_id=payment_type_id, address=address))
        else:
            setting.address = address
    payment_type.provider = provider or None
    uow.commit()
    return terminal_setting(session, payment_type_id=payment_type_id)
