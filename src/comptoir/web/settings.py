"""Back office store setup: retailer settings, outlets, registers, taxes, payment types.

Each section is a list and a form on one page. A form posts back to its own URL (with
`?edit=<id>` to change an existing row); a refused change re-renders the form with the
error next to its field and changes nothing.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from babel.numbers import list_currencies
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

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
Form = dict[str, str]
RATE_ROWS = 3


# Parsing form values --------------------------------------------------------------------


def _uuid_or_none(value: str | None, field: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput(N_("Choose a value from the list."), field=field) from exc


def _int(value: str | None, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError as exc:
        raise InvalidInput(N_("Enter a whole number."), field=field) from exc


def _percent(value: str, field: str) -> Decimal:
    message = N_("Enter a percentage, such as 20 or 5.5.")
    try:
        percent = Decimal(value.strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation as exc:
        raise InvalidInput(message, field=field) from exc
    if not percent.is_finite():
        raise InvalidInput(message, field=field)
    return percent / 100


def _checked(form: Form, name: str) -> bool:
    return form.get(name) == "on"


# The one flow every section shares ------------------------------------------------------


def _page(
    request: Request,
    template: str,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    edit_id: uuid.UUID | None = None,
    status_code: int = 200,
    **listing: Any,
) -> Response:
    return render(
        request,
        template,
        status_code=status_code,
        values=values,
        errors=errors or {},
        edit_id=edit_id,
        **listing,
    )


async def _submit(
    request: Request,
    *,
    save: Callable[[Form], object],
    done: str,
    again: Callable[[Form, dict[str, str]], Response],
) -> Response:
    """Check the CSRF token, save, then redirect; or show the form again with the error."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))
    try:
        save(form)
    except InvalidInput as error:
        return again(form, {str(error.details.get("field", "_form")): error.message})
    return RedirectResponse(done, status_code=303)


# Retailer -------------------------------------------------------------------------------


def _store_listing(session: Session) -> dict[str, Any]:
    return {
        "taxes": store.list_taxes(session),
        "currencies": sorted(list_currencies()),
        "time_zones": sorted(zoneinfo.available_timezones()),
    }


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
        "customer_inactivity_years": r.customer_inactivity_years,
    }
    return _page(request, "settings/store.html", values=values, **_store_listing(session))


@router.post("")
async def save_store_settings(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin
) -> Response:
    def save(form: Form) -> None:
        store.update_retailer(
            uow,
            settings=store.RetailerSettings(
                name=form.get("name", ""),
                currency=form.get("currency", ""),
                time_zone=form.get("time_zone", ""),
                locale=form.get("locale", ""),
                tax_exclusive=_checked(form, "tax_exclusive"),
                sku_sequence_enabled=_checked(form, "sku_sequence_enabled"),
                sku_sequence_value=_int(form.get("sku_sequence_value"), "sku_sequence_value"),
                default_tax_id=_uuid_or_none(form.get("default_tax_id"), "default_tax_id"),
                customer_inactivity_years=(
                    _int(form["customer_inactivity_years"], "customer_inactivity_years")
                    if form.get("customer_inactivity_years", "").strip()
                    else None
                ),
            ),
        )

    def again(form: Form, errors: dict[str, str]) -> Response:
        values = dict(
            form,
            tax_exclusive=_checked(form, "tax_exclusive"),
            sku_sequence_enabled=_checked(form, "sku_sequence_enabled"),
        )
        return _page(
            request,
            "settings/store.html",
            values=values,
            errors=errors,
            status_code=422,
            **_store_listing(session),
        )

    return await _submit(request, save=save, done="/settings?saved=1", again=again)


# Outlets --------------------------------------------------------------------------------

OUTLET_TEXT_FIELDS = (
    "name",
    "time_zone",
    "email",
    "manager_email",
    "physical_address_1",
    "physical_city",
    "physical_postcode",
    "physical_country_id",
)


def _outlet_listing(session: Session) -> dict[str, Any]:
    return {
        "outlets": store.list_outlets(session),
        "taxes": store.list_taxes(session),
        "time_zones": sorted(zoneinfo.available_timezones()),
    }


@router.get("/outlets")
def outlets(
    request: Request, session: SessionDep, _user: Viewer, edit: uuid.UUID | None = None
) -> Response:
    values: dict[str, Any] = {"time_zone": store.get_retailer(session).time_zone}
    if edit is not None:
        outlet = store.get_outlet(session, outlet_id=edit)
        values = {k: getattr(outlet, k) or "" for k in OUTLET_TEXT_FIELDS}
        values["default_tax_id"] = str(outlet.default_tax_id or "")
    return _page(
        request, "settings/outlet.html", values=values, edit_id=edit, **_outlet_listing(session)
    )


@router.post("/outlets")
async def save_outlet(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin, edit: uuid.UUID | None = None
) -> Response:
    def save(form: Form) -> None:
        fields = store.OutletFields(
            name=form.get("name", ""),
            time_zone=form.get("time_zone", ""),
            default_tax_id=_uuid_or_none(form.get("default_tax_id"), "default_tax_id"),
            email=form.get("email") or None,
            manager_email=form.get("manager_email") or None,
            physical_address_1=form.get("physical_address_1") or None,
            physical_city=form.get("physical_city") or None,
            physical_postcode=form.get("physical_postcode") or None,
            physical_country_id=(form.get("physical_country_id") or "").upper()[:2] or None,
        )
        if edit is None:
            store.create_outlet(uow, fields=fields)
        else:
            store.update_outlet(uow, outlet_id=edit, fields=fields)

    def again(form: Form, errors: dict[str, str]) -> Response:
        return _page(
            request,
            "settings/outlet.html",
            values=form,
            errors=errors,
            edit_id=edit,
            status_code=422,
            **_outlet_listing(session),
        )

    return await _submit(request, save=save, done="/settings/outlets", again=again)


# Registers ------------------------------------------------------------------------------


def _register_listing(session: Session, edit: uuid.UUID | None) -> dict[str, Any]:
    last = None if edit is None else store.last_invoice_sequence(session, register_id=edit)
    return {
        "registers": store.list_registers(session),
        "outlets": store.list_outlets(session),
        "last_invoice_sequence": last,
    }


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
            "invoice_sequence_shown": r.invoice_sequence,
            "print_receipt": r.print_receipt,
        }
    return _page(
        request,
        "settings/register.html",
        values=values,
        edit_id=edit,
        **_register_listing(session, edit),
    )


def _wanted_sequence(form: Form) -> int | None:
    """The sequence typed, or None when it is still the one the page showed: sales made
    while the page was open moved it on, and saving the name must not take it back."""
    wanted = _int(form.get("invoice_sequence"), "invoice_sequence")
    shown = (form.get("invoice_sequence_shown") or "").strip()
    return None if shown and shown == str(wanted) else wanted


@router.post("/registers")
async def save_register(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin, edit: uuid.UUID | None = None
) -> Response:
    def save(form: Form) -> None:
        outlet_id = _uuid_or_none(form.get("outlet_id"), "outlet_id")
        if outlet_id is None:
            raise InvalidInput(N_("Choose an outlet."), field="outlet_id")
        fields = store.RegisterFields(
            name=form.get("name", ""),
            outlet_id=outlet_id,
            invoice_prefix=form.get("invoice_prefix", ""),
            invoice_suffix=form.get("invoice_suffix", ""),
            invoice_sequence=_wanted_sequence(form),
            print_receipt=_checked(form, "print_receipt"),
        )
        if edit is None:
            store.create_register(uow, fields=fields)
        else:
            store.update_register(uow, register_id=edit, fields=fields)

    def again(form: Form, errors: dict[str, str]) -> Response:
        values = dict(form, print_receipt=_checked(form, "print_receipt"))
        return _page(
            request,
            "settings/register.html",
            values=values,
            errors=errors,
            edit_id=edit,
            status_code=422,
            **_register_listing(session, edit),
        )

    return await _submit(request, save=save, done="/settings/registers", again=again)


# Taxes ----------------------------------------------------------------------------------


def _tax_listing(session: Session) -> dict[str, Any]:
    return {
        "taxes": store.list_taxes(session),
        "default_tax_id": store.get_retailer(session).default_tax_id,
        "rate_rows": range(RATE_ROWS),
    }


@router.get("/taxes")
def taxes(
    request: Request, session: SessionDep, _user: Viewer, edit: uuid.UUID | None = None
) -> Response:
    values: dict[str, Any] = {}
    if edit is not None:
        tax = store.get_tax(session, tax_id=edit)
        values["name"] = tax.name
        for i, rate in enumerate(tax.rates[:RATE_ROWS]):
            values[f"rate_name_{i}"] = rate.name
            values[f"rate_percent_{i}"] = f"{(rate.rate * 100).normalize():f}"
    return _page(request, "settings/tax.html", values=values, edit_id=edit, **_tax_listing(session))


@router.post("/taxes")
async def save_tax(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin, edit: uuid.UUID | None = None
) -> Response:
    def save(form: Form) -> None:
        rates = [
            store.RateFields(
                name=form.get(f"rate_name_{i}", "").strip() or form.get("name", ""),
                rate=_percent(form[f"rate_percent_{i}"], f"rate_percent_{i}"),
            )
            for i in range(RATE_ROWS)
            if form.get(f"rate_percent_{i}", "").strip()
        ]
        if edit is None:
            store.create_tax(uow, name=form.get("name", ""), rates=rates)
        else:
            store.update_tax(uow, tax_id=edit, name=form.get("name", ""), rates=rates)

    def again(form: Form, errors: dict[str, str]) -> Response:
        return _page(
            request,
            "settings/tax.html",
            values=form,
            errors=errors,
            edit_id=edit,
            status_code=422,
            **_tax_listing(session),
        )

    return await _submit(request, save=save, done="/settings/taxes", again=again)


# Payment types --------------------------------------------------------------------------

KIND_LABELS = {
    PaymentKind.CASH: N_("Cash"),
    PaymentKind.CARD_EXTERNAL: N_("Card (external terminal)"),
    PaymentKind.CHEQUE: N_("Cheque"),
    PaymentKind.BANK_TRANSFER: N_("Bank transfer"),
    PaymentKind.VOUCHER: N_("Voucher"),
    PaymentKind.OTHER: N_("Other"),
}


def _payment_listing(session: Session) -> dict[str, Any]:
    return {
        "payment_types": store.list_payment_types(session),
        "kinds": [(int(kind), label) for kind, label in KIND_LABELS.items()],
    }


@router.get("/payment-types")
def payment_types(
    request: Request, session: SessionDep, _user: Viewer, edit: uuid.UUID | None = None
) -> Response:
    values: dict[str, Any] = {"type_id": int(PaymentKind.OTHER)}
    if edit is not None:
        payment_type = store.get_payment_type(session, payment_type_id=edit)
        values = {"name": payment_type.name, "type_id": payment_type.type_id}
    return _page(
        request,
        "settings/payment_type.html",
        values=values,
        edit_id=edit,
        **_payment_listing(session),
    )


@router.post("/payment-types")
async def save_payment_type(
    request: Request, session: SessionDep, uow: UowDep, _user: Admin, edit: uuid.UUID | None = None
) -> Response:
    def save(form: Form) -> None:
        kind = _int(form.get("type_id"), "type_id")
        name = form.get("name", "")
        if edit is None:
            store.create_payment_type(uow, name=name, type_id=kind)
        else:
            store.update_payment_type(uow, payment_type_id=edit, name=name, type_id=kind)

    def again(form: Form, errors: dict[str, str]) -> Response:
        return _page(
            request,
            "settings/payment_type.html",
            values=form,
            errors=errors,
            edit_id=edit,
            status_code=422,
            **_payment_listing(session),
        )

    return await _submit(request, save=save, done="/settings/payment-types", again=again)
