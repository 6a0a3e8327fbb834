from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts import service as accounts
from comptoir.accounts import switching, users
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission, role_allows
from comptoir.core import i18n
from comptoir.core.i18n import gettext_ as _
from comptoir.http.deps import SessionDep
from comptoir.printing import config as printing_config
from comptoir.printing.receipt import build_receipt, receipt_logo_url
from comptoir.store import service as store
from comptoir.web.barcode import code128_svg
from comptoir.web.deps import page_requires
from comptoir.web.render import render

router = APIRouter(include_in_schema=False)


def _sell_strings() -> dict[str, str]:
    """Strings the sell screen's script shows, in the page's language."""
    return {
        "no_results": _("No product found"),
        "empty_sale": _("Scan or search a product to start a sale."),
        "remove": _("Remove"),
        "change_due": _("Change due"),
        "still_to_pay": _("Still to pay"),
        "saving": _("Recording the sale…"),
        "offline_retry": _("The server did not answer; the sale is kept and will be sent again."),
        "error": _("The sale was refused:"),
        "added": _("Added"),
        "pin": _("PIN"),
        "password": _("Password"),
        "switch_failed": _("Wrong PIN or password."),
        "switch_locked": _("Too many failed attempts. Wait 15 minutes and try again."),
        "quick_add": _("Quick add"),
        "quick_add_failed": _("The product was not created:"),
        "quick_add_offline": _("The server did not answer; nothing was lost, try again."),
        "quick_add_price": _("Enter an amount, such as 12.50."),
        "discount": _("Discount"),
        "discount_invalid": _(
            "Enter a percent up to 100, an amount or a price (one of them), such as 10 or 2.50."
        ),
        "approval_reason": _(
            "A discount of {percent} percent is beyond the cashier's limit ({limit} percent):"
            " a manager approves it with their PIN or password."
        ),
        "exact": _("Exact"),
    }


def _approvers(session: Session) -> list[User]:
    """Who may approve a discount beyond the cashier's limit, at the register."""
    return [
        u
        for u in accounts.list_users(session)
        if u.enabled and role_allows(u.role, Permission.DISCOUNT_OVER_LIMIT)
    ]


def _text(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


@router.get("/")
def home() -> Response:
    return RedirectResponse("/sell", status_code=303)


@router.get("/sell")
def sell_screen(
    request: Request,
    session: SessionDep,
    user: Annotated[User, Depends(page_requires(Permission.SELL))],
) -> Response:
    retailer = store.get_retailer(session)
    # Only the registers of the outlets the seller may work in.
    limited_to = users.outlets_of(session, user_ids=[user.id]).get(user.id)
    registers = [
        r for r in store.list_registers(session) if limited_to is None or r.outlet_id in limited_to
    ]
    # Cash first: it is the tender chosen when the payment dialog opens.
    payment_types = sorted(store.list_payment_types(session), key=lambda p: (not p.is_cash, p.name))
    config: dict[str, Any] = {
        "currency": retailer.currency,
        "locale": request.state.locale,
        "tax_exclusive": retailer.tax_exclusive,
        "user_id": str(user.id),
        "can_quick_add": role_allows(user.role, Permission.QUICK_ADD_PRODUCT),
        "cash_rounding_increment": (
            str(retailer.cash_rounding_increment) if retailer.cash_rounding_increment else None
        ),
        # What the script needs to tax a line as the server will: each register's outlet
        # and the tax of products that name none there.
        "registers": {
            str(r.id): {
                "outlet_id": str(r.outlet_id),
                "default_tax_id": _text(store.default_tax_id(retailer=retailer, outlet=r.outlet)),
                # registers: the sell screen shows the state and offers to open it.
                "is_open": r.open_session_id is not None,
            }
            for r in registers
        },
        "strings": {},
    }
    i18n.set_locale(request.state.locale)
    config["strings"] = _sell_strings()
    return render(
        request,
        "sell.html",
        registers=registers,
        payment_types=payment_types,
        switch_targets=switching.switch_targets(session, current=user),
        approvers=_approvers(session),
        config=config,
        # A cashier's new customer goes in the default group (customers:groups moves them).
        can_groups=role_allows(user.role, Permission.MANAGE_CUSTOMER_GROUPS),
        retailer=retailer,
    )


@router.get("/sales/{sale_id}/receipt")
def receipt(
    request: Request,
    sale_id: uuid.UUID,
    session: SessionDep,
    _user: Annotated[User, Depends(page_requires(Permission.VIEW_SALES))],
    duplicate: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The receipt; `duplicate`: its k-th reprint, recorded first by POST /sales/{id}/reprint
    (printed "DUPLICATA n°k")."""
    doc = build_receipt(session, sale_id=sale_id, duplicate=duplicate)
    register = store.get_register(session, register_id=doc.register_id)
    printer = printing_config.get_printer(session, register_id=register.id)
    network_printer = printer is not None and printer.enabled
    return render(
        request,
        "receipt.html",
        receipt=doc,
        barcode=code128_svg(doc.invoice_number),
        logo=receipt_logo_url(doc.texts),
        # No network printer: the page prints itself when the register prints receipts.
        # A duplicate was asked for: it prints whatever the register's setting.
        autoprint=(register.print_receipt or duplicate is not None) and not network_printer,
        network_printer=network_printer,
    )
