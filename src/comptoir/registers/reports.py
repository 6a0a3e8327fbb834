"""Reading a session's figures: the X report of an open register (live, nothing closed) and
a closure (the figures stored at closing, so reprinting it months later gives the same)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from comptoir.core.errors import NotFound
from comptoir.registers.closing import closure_warnings
from comptoir.registers.figures import Figures, compute_figures, figures_from_json
from comptoir.registers.models import RegisterSession
from comptoir.registers.service import current_session, get_register_session
from comptoir.store import service as store
from comptoir.store.service import RegisterClosed


def x_report(session: Session, *, register_id: uuid.UUID) -> tuple[RegisterSession, Figures]:
    """The open session's figures now; a closed register has none (RegisterClosed)."""
    register = store.get_register(session, register_id=register_id)
    open_session = current_session(session, register=register)
    if open_session is None:
        raise RegisterClosed(register_id=register_id)
    currency = store.get_retailer(session).currency
    figures = compute_figures(session, register_session=open_session, currency=currency)
    figures.warnings = closure_warnings(figures)
    return open_session, figures


def closure_of(session: Session, *, session_id: uuid.UUID) -> tuple[RegisterSession, Figures]:
    """A closed session and its figures as they were at closing."""
    closed = get_register_session(session, session_id=session_id)
    if closed.closure_figures is None:
        raise NotFound(
            "this register session is not closed yet", register_session_id=str(session_id)
        )
    return closed, figures_from_json(closed.closure_figures)
