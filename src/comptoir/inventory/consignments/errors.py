"""What stock control refuses, typed (core.errors maps them to 404/409/422)."""

from __future__ import annotations

from comptoir.core.errors import Conflict, NotFound


class ConsignmentNotFound(NotFound):
    code = "consignment_not_found"


class ConsignmentStateError(Conflict):
    """The consignment's status does not allow this (a received order changed, a cancelled
    transfer sent...)."""

    code = "consignment_state"
