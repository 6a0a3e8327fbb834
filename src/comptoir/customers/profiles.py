"""Customer profiles: what may be written in each field, and the rules for codes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from comptoir.core.errors import InvalidInput

TEXT_LIMITS: dict[str, int] = {
    "first_name": 100,
    "last_name": 100,
    "company_name": 200,
    "email": 200,
    "phone": 50,
    "mobile": 50,
    "fax": 50,
    "website": 200,
    "twitter": 100,
    "note": 10_000,
    "customer_code": 100,
    "custom_field_1": 255,
    "custom_field_2": 255,
    "custom_field_3": 255,
    "custom_field_4": 255,
    **{
        f"{kind}_{part}": limit
        for kind in ("physical", "postal")
        for part, limit in (
            ("address_1", 200),
            ("address_2", 200),
            ("suburb", 100),
            ("city", 100),
            ("postcode", 20),
            ("state", 100),
        )
    },
}
COUNTRY_FIELDS = ("physical_country_id", "postal_country_id")
FLAG_FIELDS = ("do_not_email", "enable_loyalty")
# Every field a shop may write, with customer_group_id, tax_id and id handled by the service.
EDITABLE = (
    *TEXT_LIMITS,
    *COUNTRY_FIELDS,
    *FLAG_FIELDS,
    "date_of_birth",
    "gender",
    "on_account_limit",
)
GENDERS = {"m": "M", "male": "M", "f": "F", "female": "F", "x": "X", "other": "X"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EARLIEST_BIRTH = date(1900, 1, 1)


def clean_text(value: Any, *, field: str) -> str | None:
    """Trimmed text or None; control characters and over-long values are refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field)
    text = value.strip()
    if _CONTROL.search(text.replace("\n", "").replace("\t", "")):
        raise InvalidInput("contains control characters", field=field)
    limit = TEXT_LIMITS.get(field)
    if limit is not None and len(text) > limit:
        raise InvalidInput(f"at most {limit} characters", field=field)
    return text or None


def parse_birth_date(value: Any, *, today: date) -> date | None:
    """A date of birth: ISO (1985-04-23) or day first (23/04/1985, 23.04.1985)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        born = value
    elif isinstance(value, str):
        text = value.strip()[:10]
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or None
        day_first = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
        try:
            if match:
                born = date(int(match[1]), int(match[2]), int(match[3]))
            elif day_first:
                born = date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
            else:
                raise ValueError(text)
        except ValueError as exc:
            raise InvalidInput(
                "not a date (use YYYY-MM-DD or DD/MM/YYYY)", field="date_of_birth"
            ) from exc
    else:
        raise InvalidInput("not a date", field="date_of_birth")
    if born > today or born < EARLIEST_BIRTH:
        raise InvalidInput("not a plausible date of birth", field="date_of_birth")
    return born


def parse_amount(value: Any, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise InvalidInput("amounts are sent as strings or integers", field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InvalidInput("not an amount", field=field) from exc
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -5:  # type: ignore[operator]
        raise InvalidInput("must be a positive amount with at most 5 decimals", field=field)
    if amount >= Decimal(10) ** 15:
        raise InvalidInput("too large", field=field)
    return amount


def parse_flag(value: Any, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "y", "oui"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "n", "non", ""}:
        return False
    raise InvalidInput("must be true or false", field=field)


def _gender(value: Any) -> str | None:
    text = clean_text(value, field="gender")
    if text is None:
        return None
    gender = GENDERS.get(text.lower())
    if gender is None:
        raise InvalidInput("gender is M, F, X or empty", field="gender")
    return gender


def _country(field: str) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        text = clean_text(value, field=field)
        if text is None:
            return None
        if not re.fullmatch(r"[A-Za-z]{2}", text):
            raise InvalidInput("a two-letter country code (FR, BE...)", field=field)
        return text.upper()

    return parse


def _email(value: Any) -> str | None:
    text = clean_text(value, field="email")
    if text is not None and not _EMAIL.match(text):
        raise InvalidInput("not an email address", field="email")
    return text


def clean_fields(values: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """The given profile fields, each checked and normalised; unknown fields are refused."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise InvalidInput("unknown customer field", field=unknown[0], fields=unknown)
    parsers: dict[str, Callable[[Any], Any]] = {
        "email": _email,
        "gender": _gender,
        "date_of_birth": lambda v: parse_birth_date(v, today=today),
        "on_account_limit": lambda v: parse_amount(v, field="on_account_limit"),
        **{f: _country(f) for f in COUNTRY_FIELDS},
    }
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in FLAG_FIELDS:
            cleaned[name] = parse_flag(value, field=name)
        elif name in parsers:
            cleaned[name] = parsers[name](value)
        else:
            cleaned[name] = clean_text(value, field=name)
    return cleaned
