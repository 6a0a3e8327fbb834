"""Who a sale is recorded for: the user selling at the register, after any user switch.

A register's browser session sells as its current user (the one signed in, or the one
switched to with a PIN). It may name another user only if that user signed in or was
switched to on this same session: a sale built before a switch and re-sent after it (an
offline retry) keeps the seller it was built by. An API token names another user of the
store only with the right to (`sales:for_others`): a cashier's token sells as the cashier.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from comptoir.accounts import switching, users
from comptoir.accounts.models import LoginSession, User
from comptoir.core.errors import InvalidInput
from comptoir.sales.errors import OutletNotAllowed, SellerNotAllowed, SellerNotOnSession


def check_seller_on_session(
    session: Session,
    *,
    register_session: LoginSession | None,
    acting_user_id: uuid.UUID,
    named_user_id: uuid.UUID | None,
    may_sell_for_others: bool,
) -> None:
    """Refuse a sale attributed to another user than the sender: by a register session, to
    someone who never sold on it; by a token, without the right to."""
    if named_user_id is None or named_user_id == acting_user_id:
        return
    if register_session is None:
        if not may_sell_for_others:
            raise SellerNotAllowed(user_id=acting_user_id)
        return
    if not switching.sold_on_session(session, login=register_session, user_id=named_user_id):
        raise SellerNotOnSession(user_id=acting_user_id)


def find_seller(
    session: Session, *, named_user_id: uuid.UUID | None, acting_user_id: uuid.UUID
) -> uuid.UUID:
    """The user the sale is recorded for: the one it names, else the one sending it."""
    if named_user_id is None:
        return acting_user_id
    seller = session.get(User, named_user_id)
    if seller is None or seller.deleted_at is not None:
        raise InvalidInput("unknown user", user_id=str(named_user_id))
    return named_user_id


def check_seller_at_outlet(session: Session, *, seller_id: uuid.UUID, outlet_id: uuid.UUID) -> None:
    """A user limited to some outlets sells only at their registers."""
    if not users.may_use_outlet(session, user_id=seller_id, outlet_id=outlet_id):
        raise OutletNotAllowed(user_id=seller_id, outlet_id=outlet_id)
