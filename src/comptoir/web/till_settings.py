"""Settings > Till: the cashier's discount limit, cash rounding, the largest line quantity
and how old an offline sale may be (admins: setup:write)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, UowDep
from comptoir.store import service as store
from comptoir.store.till import TillSettings, read_till_settings, update_till_settings
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(page_requires(Permission.MANAGE_SETUP))]
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_SETUP))]
PAGE = "settings/till.html"
LAYBY_REFUND_LABELS = {
    "tenders": N_("Refund what was paid, on the tenders it was paid with"),
    "store_credit": N_("Give what was paid as store credit"),
    "none": N_("Keep what was paid (the deposit is not refunded)"),
}


def _decimal(value: str, field: str) -> Decimal:
    try:
        number = Decimal(value.strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation as exc:
        raise InvalidInput(N_("Enter a number."), field=field) from exc
    if not number.is_finite():
        raise InvalidInput(N_("Enter a number."), field=field)
    return number


def _whole(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise InvalidInput(N_("Enter a whole number."), field=field) from exc


def _parse(form: dict[str, str]) -> TillSettings:
    increment = form.get("cash_rounding_increment", "").strip()
    return TillSettings(
        cashier_discount_limit=_decimal(
            form.get("cashier_discount_limit", ""), "cashier_discount_limit"
        ),
        cash_rounding_increment=(
            _decimal(increment, "cash_rounding_increment") if increment else None
        ),
        max_line_quantity=_whole(form.get("max_line_quantity", ""), "max_line_quantity"),
        offline_sale_max_age_hours=_whole(
            form.get("offline_sale_max_age_hours", ""), "offline_sale_max_age_hours"
        ),
        quote_validity_days=_whole(form.get("quote_validity_days", ""), "quote_validity_days"),
        layby_cancel_refund=form.get("layby_cancel_refund", ""),
    )


def _values(settings: TillSettings) -> dict[str, str]:
    increment = settings.cash_rounding_increment
    return {
        "cashier_discount_limit": f"{settings.cashier_discount_limit.normalize():f}",
        "cash_rounding_increment": f"{increment.quantize(Decimal('0.01'))}" if increment else "",
        "max_line_quantity": str(settings.max_line_quantity),
        "offline_sale_max_age_hours": str(settings.offline_sale_max_age_hours),
        "quote_validity_days": str(settings.quote_validity_days),
        "layby_cancel_refund": settings.layby_cancel_refund,
    }


@router.get("/settings/till")
def till_settings(request: Request, session: SessionDep, _user: Viewer) -> Response:
    values = _values(read_till_settings(store.get_retailer(session)))
    return render(request, PAGE, values=values, errors={}, layby_refunds=LAYBY_REFUND_LABELS)


@router.post("/settings/till")
async def save_till_settings(request: Request, uow: UowDep, _user: Admin) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))
    try:
        update_till_settings(uow, settings=_parse(form))
    except InvalidInput as error:
        errors = {str(error.details.get("field", "_form")): error.message}
        return render(
            request,
            PAGE,
            values=form,
            errors=errors,
            layby_refunds=LAYBY_REFUND_LABELS,
            status_code=422,
        )
    return RedirectResponse("/settings/till?saved=1", status_code=303)
