"""Back office store setup: retailer settings, outlets, registers, taxes, payment types.

Each form posts back to its own URL; a refused change re-renders the form with the error
next to its field and changes nothing.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from babel.numbers import list_currencies
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, UowDep
from comptoir.store import service as store
from comptoir.store.models import PaymentKind
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(prefix="/settings", include_in_schema=False)
Admin = Annotated[User, Depends(page_requires(Permission.MANAGE_SETUP))]
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_SETUP))]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items()}


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput(N_("Choose a value from the list."), field="id") from exc


def _int(value: str | None, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError as exc:
        raise InvalidInput(N_("Enter a whole number."), field=field) from exc


def _percent(value: str, field: str) -> Decimal:
    try:
        percent = Decimal(value.strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation as exc:
        raise InvalidInput(N_("Enter a percentage, such as 20 or 5.5."), field=field) from exc
    if not percent.is_finite():
        raise InvalidInput(N_("Enter a percentage, such as 20 or 5.5."), field=field)
    return percent / 100


@dataclass
class Outcome:
    response: Response | None
    errors: dict[str, str]


def _attempt(action: Callable[[], Any], redirect_to: str) -> Outcome:
    try:
        action()
    except InvalidInput as error:
        field = str(error.details.get("field", "_form"))
        return Outcome(None, {field: error.message})
    return Outcome(_redirect(redirect_to), {})


# Retailer -------------------------------------------------------------------------------


def _store_page(
    request: Request,
    session: SessionDep,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings/store.html",
        status_code=status_code,
        values=values,
        errors=errors,
        taxes=store.list_taxes(session),
        currencies=sorted(list_currencies()),
        time_zones=sorted(zoneinfo.available_timezones()),
        locales=store.SUPPORTED_LOCALES,
    )


@router.get("")
def store_settings(request: Request, session: SessionDep, _user: Viewer) -> Response:
    r = store.get_retailer(session)
    values = {
        "name": r.name,
        "currency": r.currency,
        "time_zone": r.time_zone,
        "locale": r.locale,
        "tax_exclusive": r.tax_exclusive,
        "sku_sequence_enabled": r.sku_sequence_enabled,
        "sku_sequence_value": r.sku_sequence_value,
        "default_tax_id": str(r.default_tax_id or ""),
    }
    return _store_page(request, session, values, {})


@router.post("")
async def save_store_settings(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin
) -> Response:
    form = await _form(request)
    check_csrf(request.state.csrf_token, form.get("csrf"))

    def save() -> None:
        store.update_retailer(
            uow,
            settings=store.RetailerSettings(
                name=form.get("name", ""),
                currency=form.get("currency", ""),
                time_zone=form.get("time_zone", ""),
                locale=form.get("locale", ""),
                tax_exclusive=form.get("tax_exclusive") == "on",
                sku_sequence_enabled=form.get("sku_sequence_enabled") == "on",
                sku_sequence_value=_int(form.get("sku_sequence_value"), "sku_sequence_value"),
                default_tax_id=_uuid_or_none(form.get("default_tax_id")),
            ),
        )

    outcome = _attempt(save, "/settings?saved=1")
    if outcome.response is not None:
        return outcome.response
    values = dict(
        form,
        tax_exclusive=form.get("tax_exclusive") == "on",
        sku_sequence_enabled=form.get("sku_sequence_enabled") == "on",
    )
    return _store_page(request, session, values, outcome.errors, status_code=422)


# Outlets --------------------------------------------------------------------------------


def _outlet_fields(form: dict[str, str]) -> store.OutletFields:
    return store.OutletFields(
        name=form.get("name", ""),
        time_zone=form.get("time_zone", ""),
        default_tax_id=_uuid_or_none(form.get("default_tax_id")),
        email=form.get("email") or None,
        physical_address_1=form.get("physical_address_1") or None,
        physical_city=form.get("physical_city") or None,
        physical_postcode=form.get("physical_postcode") or None,
        physical_country_id=(form.get("physical_country_id") or "").upper()[:2] or None,
    )


def _outlet_page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    outlet_id: uuid.UUID | None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings/outlet.html",
        status_code=status_code,
        outlets=store.list_outlets(session),
        taxes=store.list_taxes(session),
        time_zones=sorted(zoneinfo.available_timezones()),
        values=values,
        errors=errors,
        outlet_id=outlet_id,
    )


@router.get("/outlets")
def outlets(
    request: Request, session: SessionDep, _user: Viewer, edit: uuid.UUID | None = None
) -> Response:
    values: dict[str, Any] = {"time_zone": store.get_retailer(session).time_zone}
    if edit is not None:
        o = store.get_outlet(session, outlet_id=edit)
        values = {
            k: getattr(o, k) or ""
            for k in (
                "name",
                "time_zone",
                "email",
                "physical_address_1",
                "physical_city",
                "physical_postcode",
                "physical_country_id",
            )
        }
        values["default_tax_id"] = str(o.default_tax_id or "")
    return _outlet_page(request, session, values=values, errors={}, outlet_id=edit)


@router.post("/outlets")
async def save_outlet(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin, edit: uuid.UUID | None = None
) -> Response:
    form = await _form(request)
    check_csrf(request.state.csrf_token, form.get("csrf"))
    if edit is None:
        outcome = _attempt(
            lambda: store.create_outlet(uow, fields=_outlet_fields(form)), "/settings/outlets"
        )
    else:
        outcome = _attempt(
            lambda: store.update_outlet(uow, outlet_id=edit, fields=_outlet_fields(form)),
            "/settings/outlets",
        )
    if outcome.response is not None:
        return outcome.response
    return _outlet_page(
        request, session, values=form, errors=outcome.errors, outlet_id=edit, status_code=422
    )


# Registers ------------------------------------------------------------------------------


def _register_page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    register_id: uuid.UUID | None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings/register.html",
        status_code=status_code,
        registers=store.list_registers(session),
        outlets=store.list_outlets(session),
        values=values,
        errors=errors,
        register_id=register_id,
    )


@router.get("/registers")
def registers(
    request: Request, session: SessionDep, _user: Viewer, edit: uuid.UUID | None = None
) -> Response:
    values: dict[str, Any] = {"invoice_sequence": 1, "print_receipt": True}
    if edit is not None:
        r = store.get_register(session, register_id=edit)
        values = {
            "name": r.name,
            "outlet_id": str(r.outlet_id),
            "invoice_prefix": r.invoice_prefix,
            "invoice_suffix": r.invoice_suffix,
            "invoice_sequence": r.invoice_sequence,
            "print_receipt": r.print_receipt,
        }
    return _register_page(request, session, values=values, errors={}, register_id=edit)


@router.post("/registers")
async def save_register(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin, edit: uuid.UUID | None = None
) -> Response:
    form = await _form(request)
    check_csrf(request.state.csrf_token, form.get("csrf"))

    def save() -> None:
        outlet_id = _uuid_or_none(form.get("outlet_id"))
        if outlet_id is None:
            raise InvalidInput(N_("Choose an outlet."), field="outlet_id")
        fields = store.RegisterFields(
            name=form.get("name", ""),
            outlet_id=outlet_id,
            invoice_prefix=form.get("invoice_prefix", ""),
            invoice_suffix=form.get("invoice_suffix", ""),
            invoice_sequence=_int(form.get("invoice_sequence"), "invoice_sequence"),
            print_receipt=form.get("print_receipt") == "on",
        )
        if edit is None:
            store.create_register(uow, fields=fields)
        else:
            store.update_register(uow, register_id=edit, fields=fields)

    outcome = _attempt(save, "/settings/registers")
    if outcome.response is not None:
        return outcome.response
    values = dict(form, print_receipt=form.get("print_receipt") == "on")
    return _register_page(
        request, session, values=values, errors=outcome.errors, register_id=edit, status_code=422
    )


# Taxes ----------------------------------------------------------------------------------

RATE_ROWS = 3


def _tax_page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    tax_id: uuid.UUID | None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings/tax.html",
        status_code=status_code,
        taxes=store.list_taxes(session),
        default_tax_id=store.get_retailer(session).default_tax_id,
        values=values,
        errors=errors,
        tax_id=tax_id,
        rate_rows=range(RATE_ROWS),
    )


@router.get("/taxes")
def taxes(
    request: Request, session: SessionDep, _user: Viewer, edit: uuid.UUID | None = None
) -> Response:
    values: dict[str, Any] = {}
    if edit is not None:
        t = store.get_tax(session, tax_id=edit)
        values["name"] = t.name
        for i, rate in enumerate(t.rates[:RATE_ROWS]):
            values[f"rate_name_{i}"] = rate.name
            values[f"rate_percent_{i}"] = f"{(rate.rate * 100).normalize():f}"
    return _tax_page(request, session, values=values, errors={}, tax_id=edit)


@router.post("/taxes")
async def save_tax(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin, edit: uuid.UUID | None = None
) -> Response:
    form = await _form(request)
    check_csrf(request.state.csrf_token, form.get("csrf"))

    def save() -> None:
        rates = []
        for i in range(RATE_ROWS):
            percent = form.get(f"rate_percent_{i}", "").strip()
            if not percent:
                continue
            rate_name = form.get(f"rate_name_{i}", "").strip() or form.get("name", "")
            rates.append(
                store.RateFields(name=rate_name, rate=_percent(percent, f"rate_percent_{i}"))
            )
        if edit is None:
            store.create_tax(uow, name=form.get("name", ""), rates=rates)
        else:
            store.update_tax(uow, tax_id=edit, name=form.get("name", ""), rates=rates)

    outcome = _attempt(save, "/settings/taxes")
    if outcome.response is not None:
        return outcome.response
    return _tax_page(
        request, session, values=form, errors=outcome.errors, tax_id=edit, status_code=422
    )


# Payment types --------------------------------------------------------------------------


def _kinds() -> list[tuple[int, str]]:
    labels = {
        PaymentKind.CASH: N_("Cash"),
        PaymentKind.CARD_EXTERNAL: N_("Card (external terminal)"),
        PaymentKind.CHEQUE: N_("Cheque"),
        PaymentKind.BANK_TRANSFER: N_("Bank transfer"),
        PaymentKind.VOUCHER: N_("Voucher"),
        PaymentKind.OTHER: N_("Other"),
    }
    return [(int(kind), labels[kind]) for kind in PaymentKind]


def _payment_page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    payment_type_id: uuid.UUID | None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings/payment_type.html",
        status_code=status_code,
        payment_types=store.list_payment_types(session),
        kinds=_kinds(),
        values=values,
        errors=errors,
        payment_type_id=payment_type_id,
    )


@router.get("/payment-types")
def payment_types(
    request: Request, session: SessionDep, _user: Viewer, edit: uuid.UUID | None = None
) -> Response:
    values: dict[str, Any] = {"type_id": int(PaymentKind.OTHER)}
    if edit is not None:
        p = store.get_payment_type(session, payment_type_id=edit)
        values = {"name": p.name, "type_id": p.type_id}
    return _payment_page(request, session, values=values, errors={}, payment_type_id=edit)


@router.post("/payment-types")
async def save_payment_type(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin, edit: uuid.UUID | None = None
) -> Response:
    form = await _form(request)
    check_csrf(request.state.csrf_token, form.get("csrf"))

    def save() -> None:
        kind = _int(form.get("type_id"), "type_id")
        if edit is None:
            store.create_payment_type(uow, name=form.get("name", ""), type_id=kind)
        else:
            store.update_payment_type(
                uow, payment_type_id=edit, name=form.get("name", ""), type_id=kind
            )

    outcome = _attempt(save, "/settings/payment-types")
    if outcome.response is not None:
        return outcome.response
    values: dict[str, Any] = dict(form)
    try:
        values["type_id"] = int(form.get("type_id", ""))
    except ValueError:
        values["type_id"] = int(PaymentKind.OTHER)
    return _payment_page(
        request,
        session,
        values=values,
        errors=outcome.errors,
        payment_type_id=edit,
        status_code=422,
    )
