"""The provider adapters Comptoir ships, registered by importing them. A new adapter
(Adyen, Stripe Terminal) is a new module imported here."""

from comptoir.payments import simulator  # noqa: F401  (registers "simulator")
