"""The signed bytes of a payload are one and the same wherever they are re-derived."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from comptoir.fiscal.canonical import NotCanonical, canonical_json
from comptoir.fiscal.keys import create_signing_key, verify_signature


def test_keys_are_sorted_and_no_spaces_are_written() -> None:
    assert canonical_json({"b": 1, "a": {"d": None, "c": "é"}}) == '{"a":{"c":"é","d":null},"b":1}'


def test_amounts_keep_their_scale_as_strings() -> None:
    assert canonical_json({"total": Decimal("8.90"), "tax": Decimal("1.48333")}) == (
        '{"tax":"1.48333","total":"8.90"}'
    )


def test_ids_and_aware_times_are_strings() -> None:
    sale = uuid.UUID("00000000-0000-4000-8000-000000000001")
    when = datetime(2026, 12, 5, 9, 30, 0, 123456, tzinfo=UTC)
    assert canonical_json([sale, when]) == (
        '["00000000-0000-4000-8000-000000000001","2026-12-05T09:30:00.123456+00:00"]'
    )


@pytest.mark.parametrize("value", [1.5, Decimal("NaN"), datetime(2026, 12, 5), object()], ids=str)
def test_values_without_one_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(NotCanonical):
        canonical_json({"value": value})


def test_a_signature_verifies_only_its_own_message_and_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = create_signing_key(tmp_path / "a")
    other = create_signing_key(tmp_path / "b")
    signature = key.sign(b"sale 1")
    assert verify_signature(key.public_pem(), b"sale 1", signature)
    assert not verify_signature(key.public_pem(), b"sale 2", signature)
    assert not verify_signature(other.public_pem(), b"sale 1", signature)


def test_the_private_key_is_readable_by_its_owner_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = create_signing_key(tmp_path / "keys")
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "keys" / f"{key.key_id}.pem").stat().st_mode & 0o777 == 0o600
