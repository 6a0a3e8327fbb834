"""Reading a posted form: the CSRF check, amounts typed by people, ids from hidden fields."""

from __future__ import annotations

import uuid
from decimal import Decimal

from fastapi import Request

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.money import InvalidAmount, parse_amount
from comptoir.web.render import check_csrf


async def posted_form(request: Request) -> dict[str, str]:
    """The form's fields as text, once its CSRF token is checked (the token is left out)."""
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    return {k: str(v) for k, v in form.items() if k != "csrf"}


def amount_field(text: str, *, field: str) -> Decimal:
    try:
        return parse_amount(text)
    except InvalidAmount as exc:
        raise InvalidInput(N_("enter a number, such as 1 or 2.5"), field=field) from exc


def uuid_or_none(text: str | None) -> uuid.UUID | None:
    """A hidden field's id; anything else (empty, tampered) is None."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None
