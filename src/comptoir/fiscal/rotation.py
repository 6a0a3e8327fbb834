"""Rotating the journal's signing key.

The rotation is itself an entry of the events journal, signed by the OLD key and naming the
new key's id and public key; from then on the new key signs. A verifier that trusts the
first key thus trusts each later key only through such an entry, and a key that no rotation
introduces (an attacker's) is refused. The old private key stays in the key directory.

Servers already running keep signing with the key they loaded (still a trusted key) until
they are restarted.
"""

from __future__ import annotations

from pathlib import Path

from comptoir.core.db import Database
from comptoir.fiscal.events import KEY_ROTATION, record_event
from comptoir.fiscal.journal import attach_signing_key, record_public_key
from comptoir.fiscal.keys import SigningKey, create_signing_key, load_signing_key, make_key_current


class NoKeyToRotate(Exception):
    """There is no current key: `comptoir init` makes the first one."""


def rotate_key(database: Database, key_dir: Path) -> tuple[SigningKey, SigningKey]:
    """Make a new key, record the rotation signed by the old one, then sign with the new
    one. Returns (old, new)."""
    old = load_signing_key(key_dir)
    if old is None:
        raise NoKeyToRotate(str(key_dir))
    new = create_signing_key(key_dir, make_current=False)
    attach_signing_key(database, old)
    with database.unit_of_work() as uow:
        record_public_key(uow.session, old)
        record_public_key(uow.session, new)
        record_event(
            uow.session,
            kind=KEY_ROTATION,
            payload={
                "previous_key_id": old.key_id,
                "new_key_id": new.key_id,
                "new_public_key": new.public_pem(),
            },
        )
        uow.commit()
    make_key_current(key_dir, new)
    attach_signing_key(database, new)
    return old, new
