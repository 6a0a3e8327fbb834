from __future__ import annotations

from comptoir.core.errors import ServiceUnavailable


class FiscalSigningUnavailable(ServiceUnavailable):
    """No signing key is loaded: nothing that must be journaled can be recorded (503).

    A sale without its journal entry would break the law's inalterability requirement, so
    the sale is refused rather than recorded unsigned."""

    code = "fiscal_signing_unavailable"
