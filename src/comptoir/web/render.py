"""Jinja2 rendering with gettext, locale-aware formatting and CSRF tokens."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from comptoir.accounts.permissions import Permission, role_allows
from comptoir.core import i18n
from comptoir.core.errors import PermissionDenied

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(i18n.gettext_, i18n.ngettext_, newstyle=True)  # type: ignore[attr-defined]
env.globals.update(
    format_money=i18n.format_money,
    format_number=i18n.format_number,
    format_datetime=i18n.format_datetime,
    get_locale=i18n.get_locale,
    # Translates a message chosen earlier (marked with N_); no %-formatting, unlike _().
    translate=i18n.gettext_,
)

env.filters.update(
    zip_self=lambda items: [(item, item) for item in items],
    tax_options=lambda taxes: [(str(t.id), t.name) for t in taxes],
    id_name=lambda rows: [(str(r.id), r.name) for r in rows],
)
env.globals["dict"] = dict
# Whether a user's role grants a permission (to show only the links they may follow).
env.globals["allowed"] = lambda user, permission: role_allows(user.role, Permission(permission))

LOGIN_CSRF_COOKIE = "comptoir_login_csrf"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", getattr(request.state, "user", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    context["request"] = request
    i18n.set_locale(getattr(request.state, "locale", None) or i18n.DEFAULT_LOCALE)
    html = env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code)


def check_csrf(expected: str | None, sent: str | None) -> None:
    """Reject a form post whose hidden token does not match the one we handed out."""
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise PermissionDenied("the form expired or came from another site; reload the page")
