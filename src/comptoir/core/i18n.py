"""French and English through gettext, compiled from the .po files at start-up.

The .po files under `comptoir/locale` are the source of truth; they are compiled in
memory with Babel, so there is no build step and no binary file in the repository.
The current locale lives in a context variable, set per request.
"""

from __future__ import annotations

import contextvars
import gettext
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> gettext.NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


def gettext_(message: str) -> str:
    return translations(get_locale()).gettext(message)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown, in that locale."""
    return message


def ngettext_(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


def format_money(amount: Decimal, currency: str) -> str:
    return format_currency(amount, currency, locale=get_locale())


def format_number(amount: Decimal) -> str:
    return format_decimal(amount, locale=get_locale())


def format_datetime(moment: datetime, time_zone: str) -> str:
    return babel_format_datetime(
        moment.astimezone(ZoneInfo(time_zone)), format="medium", locale=get_locale()
    )
