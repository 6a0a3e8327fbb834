"""Reading the security trail: per user or for everyone, by version or newest first."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from comptoir.accounts.events import SecurityAction
from comptoir.accounts.models import SecurityEvent
from comptoir.core.errors import InvalidInput
from comptoir.core.paging import Page, page_by_version


def _filtered(user_id: uuid.UUID | None, action: str | None) -> Select[tuple[SecurityEvent]]:
    query = select(SecurityEvent)
    if user_id is not None:
        query = query.where(SecurityEvent.user_id == user_id)
    if action:
        try:
            SecurityAction(action)
        except ValueError as exc:
            raise InvalidInput("unknown action", field="action", action=action) from exc
        query = query.where(SecurityEvent.action == action)
    return query


def page_events(
    session: Session,
    *,
    user_id: uuid.UUID | None,
    after: int | None,
    before: int | None,
    page_size: int,
    action: str | None = None,
) -> Page[SecurityEvent]:
    """Events in version order (X-Series `?after=` paging); `user_id` None: everyone's."""
    return page_by_version(
        session,
        _filtered(user_id, action),
        SecurityEvent.version,
        after=after,
        before=before,
        page_size=page_size,
    )


def latest_events(
    session: Session,
    *,
    user_id: uuid.UUID | None = None,
    action: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[SecurityEvent]:
    """The newest events first, for the back office; `before` a version to page back."""
    query = _filtered(user_id, action)
    if before is not None:
        query = query.where(SecurityEvent.version < before)
    return list(session.scalars(query.order_by(SecurityEvent.version.desc()).limit(limit)))
