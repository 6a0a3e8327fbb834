"""Register pages: open with a float, cash in and out, close (count), the X report and past
closures (80 mm printable page, A4 PDF).

The same rules as the API (api/registers.py): a cashier (`registers:write`) opens, moves
cash, counts and closes blind; the expected figures (X report, the expected column of the
close page, closures) need `reports:read`.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission, role_allows
from comptoir.core import i18n
from comptoir.core.errors import DomainError, InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.registers import reports
from comptoir.registers import service as registers
from comptoir.registers.denominations import denominations_of
from comptoir.registers.documents import (
    MOVEMENT_LABELS,
    build_document,
    closure_pdf,
    closure_sections,
)
from comptoir.registers.models import MovementKind
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.form_fields import amount_field, posted_form
from comptoir.web.render import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_REGISTERS))]
Operator = Annotated[User, Depends(page_requires(Permission.OPERATE_REGISTER))]
Manager = Annotated[User, Depends(page_requires(Permission.VIEW_REPORTS))]
NextPage = Annotated[str, Query(alias="next", max_length=200)]


def _safe_next(value: str | None, default: str) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else default


@router.get("/registers")
def registers_page(request: Request, session: SessionDep, _user: Viewer) -> Response:
    tills = store.list_registers(session)
    times = registers.register_times(session, registers=tills)
    return render(request, "registers/list.html", registers=tills, times=times)


def _denominations(session: Any) -> list[Decimal]:
    return list(denominations_of(store.get_retailer(session).currency))


def _counts(form: dict[str, str], *, prefix: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, text in form.items():
        if not key.startswith(prefix) or not text.strip():
            continue
        try:
            number = int(text.strip())
        except ValueError:
            raise InvalidInput(N_("a count is a whole number, zero or more"), field=key) from None
        counts[key.removeprefix(prefix)] = number
    return counts


def _open_page(request: Request, session: Any, register_id: uuid.UUID, **context: Any) -> Response:
    register = store.get_register(session, register_id=register_id)
    return render(
        request,
        "registers/open.html",
        register=register,
        denominations=_denominations(session),
        currency=store.get_retailer(session).currency,
        **context,
    )


@router.get("/registers/{register_id}/open")
def open_page(
    request: Request,
    register_id: uuid.UUID,
    session: SessionDep,
    _user: Operator,
    next_page: NextPage = "",
) -> Response:
    return _open_page(request, session, register_id, values={}, next_page=next_page)


@router.post("/registers/{register_id}/open")
async def post_open(
    request: Request, register_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Operator
) -> Response:
    values = await posted_form(request)
    try:
        total_text = values.get("opening_float", "").strip()
        registers.open_register(
            uow,
            register_id=register_id,
            user_id=user.id,
            opening_float=amount_field(total_text, field="opening_float") if total_text else None,
            counts=_counts(values, prefix="d_") or None,
            note=values.get("note", "")[:1000],
        )
    except DomainError as error:
        return _open_page(
            request,
            session,
            register_id,
            values=values,
            error=error.message,
            next_page=values.get("next", ""),
            status_code=status_of(error),
        )
    return RedirectResponse(_safe_next(values.get("next"), "/registers"), status_code=303)


def _cash_page(request: Request, session: Any, register_id: uuid.UUID, **context: Any) -> Response:
    register = store.get_register(session, register_id=register_id)
    current = registers.current_session(session, register=register)
    movements = registers.list_movements(session, session_id=current.id) if current else []
    return render(
        request,
        "registers/cash.html",
        register=register,
        current=current,
        movements=movements,
        kinds=[(k.value, MOVEMENT_LABELS[k.value]) for k in MovementKind],
        labels=MOVEMENT_LABELS,
        currency=store.get_retailer(session).currency,
        client_id=str(uuid.uuid4()),
        **context,
    )


@router.get("/registers/{register_id}/cash")
def cash_page(
    request: Request, register_id: uuid.UUID, session: SessionDep, _user: Operator
) -> Response:
    return _cash_page(request, session, register_id, values={})


@router.post("/registers/{register_id}/cash")
async def post_cash(
    request: Request, register_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Operator
) -> Response:
    values = await posted_form(request)
    try:
        registers.record_cash_movement(
            uow,
            register_id=register_id,
            kind=values.get("type", ""),
            amount=amount_field(values.get("amount", ""), field="amount"),
            note=values.get("note", "")[:1000],
            user_id=user.id,
            client_id=values.get("client_id", ""),
        )
    except DomainError as error:
        return _cash_page(
            request,
            session,
            register_id,
            values=values,
            error=error.message,
            status_code=status_of(error),
        )
    return RedirectResponse(f"/registers/{register_id}/cash", status_code=303)


def _close_page(
    request: Request, session: Any, register_id: uuid.UUID, user: User, **context: Any
) -> Response:
    register = store.get_register(session, register_id=register_id)
    current, figures = None, None
    if registers.current_session(session, register=register) is not None:
        current, figures = reports.x_report(session, register_id=register_id)
    return render(
        request,
        "registers/close.html",
        register=register,
        current=current,
        figures=figures,
        # A blind count for a cashier: the expected column is a manager's.
        show_expected=role_allows(user.role, Permission.VIEW_REPORTS),
        denominations=_denominations(session),
        currency=store.get_retailer(session).currency,
        client_id=str(uuid.uuid4()),
        **context,
    )


@router.get("/registers/{register_id}/close")
def close_page(
    request: Request, register_id: uuid.UUID, session: SessionDep, user: Operator
) -> Response:
    return _close_page(request, session, register_id, user, values={})


@router.post("/registers/{register_id}/close")
async def post_close(
    request: Request, register_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Operator
) -> Response:
    values = await posted_form(request)
    try:
        closed, _created = registers.close_register(
            uow,
            register_id=register_id,
            user_id=user.id,
            counts=_close_counts(values),
            note=values.get("note", "")[:1000],
            client_id=values.get("client_id") or None,
        )
    except DomainError as error:
        return _close_page(
            request,
            session,
            register_id,
            user,
            values=values,
            error=error.message,
            status_code=status_of(error),
        )
    if role_allows(user.role, Permission.VIEW_REPORTS):
        return RedirectResponse(f"/registers/closures/{closed.id}", status_code=303)
    return RedirectResponse("/registers?closed=1", status_code=303)


def _close_counts(values: dict[str, str]) -> list[registers.CountInput]:
    counts = []
    for key in values:
        if not key.startswith("pt_"):
            continue
        type_text = key.removeprefix("pt_")
        try:
            payment_type_id = uuid.UUID(type_text)
        except ValueError:
            raise InvalidInput("unknown payment type", field=key) from None
        by_denomination = _counts(values, prefix=f"d_{type_text}_")
        text = values.get(f"counted_{type_text}", "").strip()
        counts.append(
            registers.CountInput(
                payment_type_id=payment_type_id,
                counted=amount_field(text, field=f"counted_{type_text}") if text else None,
                denominations=by_denomination or None,
                note=values.get(f"note_{type_text}", "")[:1000] or None,
            )
        )
    return counts


def _figures_page(
    request: Request,
    session: Any,
    register_session: Any,
    figures: Any,
    *,
    closure_id: uuid.UUID | None,
    title: str,
) -> Response:
    """An X report or a closure: the same document, read from the session's figures."""
    document = build_document(session, register_session=register_session, figures=figures)
    return render(
        request,
        "registers/closure.html",
        document=document,
        sections_of=closure_sections,
        warnings=figures.warnings,
        closure_id=closure_id,
        title_text=title,
    )


@router.get("/registers/{register_id}/x-report")
def x_report_page(
    request: Request, register_id: uuid.UUID, session: SessionDep, _user: Manager
) -> Response:
    current, figures = reports.x_report(session, register_id=register_id)
    return _figures_page(request, session, current, figures, closure_id=None, title=N_("X report"))


@router.get("/registers/closures")
def closures_page(
    request: Request,
    session: SessionDep,
    _user: Manager,
    register: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    closed = registers.list_closures(session, register_id=register)
    tills = {r.id: r for r in store.list_registers(session)}
    return render(request, "registers/closures.html", closures=closed, tills=tills)


@router.get("/registers/closures/{closure_id}")
def closure_page(
    request: Request, closure_id: uuid.UUID, session: SessionDep, _user: Manager
) -> Response:
    closed, figures = reports.closure_of(session, session_id=closure_id)
    return _figures_page(
        request, session, closed, figures, closure_id=closed.id, title=N_("Register closure")
    )


@router.get("/registers/closures/{closure_id}/pdf")
def closure_pdf_page(
    request: Request, closure_id: uuid.UUID, session: SessionDep, _user: Manager
) -> Response:
    closed, figures = reports.closure_of(session, session_id=closure_id)
    document = build_document(session, register_session=closed, figures=figures)
    i18n.set_locale(request.state.locale)
    return Response(
        closure_pdf(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="closure-{closed.sequence}.pdf"'},
    )
