"""Payment providers by name (`payment_type.provider`). An adapter module calls
`register_provider` when imported; `adapters.py` imports the ones Comptoir ships."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.payments.provider import PaymentProvider


@dataclass(frozen=True, kw_only=True)
class ProviderConfig:
    """Where a payment type's provider is reached (its settings page)."""

    address: str  # the provider's API base URL (the simulator's http://127.0.0.1:8765)


ProviderFactory = Callable[[ProviderConfig], PaymentProvider]

_factories: dict[str, tuple[str, ProviderFactory]] = {}


def register_provider(name: str, *, label: str, factory: ProviderFactory) -> None:
    _factories[name] = (label, factory)


def provider_names() -> dict[str, str]:
    """name -> label, for the settings page's choice."""
    return {name: label for name, (label, _) in sorted(_factories.items())}


def make_provider(name: str, *, config: ProviderConfig) -> PaymentProvider:
    entry = _factories.get(name)
    if entry is None:
        raise InvalidInput(N_("unknown payment provider"), field="provider", provider=name)
    return entry[1](config)
