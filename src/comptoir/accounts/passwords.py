"""Changing one's own password, and the change forced on users an admin created.

The current password is asked again, so a session left open cannot take over the account; a
wrong one counts as a failed sign-in, towards the same lockout (see signin.py). The new one
follows the rules of every chosen password (`users.check_new_password`). The change ends the
user's other browser sessions and keeps the one it was made from; personal API tokens stay.
"""

from __future__ import annotations

import uuid

from sqlalchemy import update

from comptoir.accounts import service, signin
from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.models import LoginSession, User
from comptoir.accounts.users import check_new_password
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork

WRONG_CURRENT = N_("Wrong password.")
LOCKED = N_("Too many failed attempts. Wait 15 minutes and try again.")
SAME_AS_CURRENT = N_("Choose a password different from the current one.")


def change_password(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
    keep_session_id: uuid.UUID | None,
    ip: str | None,
    user_agent: str | None = None,
) -> User:
    """Check the current password, store the new one, end the other sessions, record it.

    Raises `InvalidInput` with `field` "current_password" or "new_password"; a wrong current
    password is committed as a failed attempt before the refusal, nothing else changes."""
    session = uow.session
    user = service.get_user(session, user_id=user_id)
    if signin.is_locked(session, username=user.username, ip=ip):
        signin.record_failure(
            uow, username=user.username, user=user, ip=ip, user_agent=user_agent, reason="locked"
        )
        uow.commit()
        raise InvalidInput(LOCKED, field="current_password")
    if not service.verify_password(user.password_hash, current_password):
        signin.record_failure(
            uow,
            username=user.username,
            user=user,
            ip=ip,
            user_agent=user_agent,
            reason="password_change",
        )
        uow.commit()
        raise InvalidInput(WRONG_CURRENT, field="current_password")
    try:
        check_new_password(new_password)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="new_password") from error
    if new_password == current_password:
        raise InvalidInput(SAME_AS_CURRENT, field="new_password")
    user.password_hash = service.hash_password(new_password)
    user.require_password_change = False
    others = update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
    )
    if keep_session_id is not None:
        others = others.where(LoginSession.id != keep_session_id)
    ended = session.execute(others.values(ended_at=utcnow())).rowcount  # type: ignore[attr-defined]
    record_event(
        session,
        action=SecurityAction.PASSWORD_CHANGED,
        user_id=user.id,
        actor_id=user.id,
        ip=ip,
        user_agent=user_agent,
        details={"via": "change", "sessions_ended": int(ended or 0)},
    )
    uow.commit()
    return user
