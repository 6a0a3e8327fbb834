"""Canonical JSON: the exact bytes that are signed and that an auditor re-derives.

Keys sorted, no spaces, UTF-8, decimals as plain strings with their scale, UUIDs and dates
as strings. Floats are refused: an amount signed as a float would not verify everywhere.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class NotCanonical(TypeError):
    """A payload holds a value that has no single canonical form."""


def to_canonical(value: Any) -> Any:
    """The JSON-native form of a payload value (dicts keep their keys, sorted at dumping)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        raise NotCanonical("floats have no canonical form; use Decimal")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotCanonical(f"{value} is not a finite amount")
        return format(value, "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise NotCanonical("a time without a time zone is ambiguous")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): to_canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_canonical(item) for item in value]
    raise NotCanonical(f"{type(value).__name__} has no canonical form")


def canonical_json(value: Any) -> str:
    return json.dumps(
        to_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
