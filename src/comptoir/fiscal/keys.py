"""The journal's signing key: ECDSA P-256, kept in a directory outside the database.

Layout of the key directory (mode 0700): `<key id>.pem` per key (PKCS#8, mode 0600) and
`current`, naming the key that signs now. Old keys stay so that a rotation is reversible
only by the journal's own record of it. The key id is the start of the SHA-256 of the
public key, so an auditor can match a public key to the entries it signed.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ECDSA-P256-SHA256"
_CURRENT = "current"


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: ec.EllipticCurvePrivateKey

    @property
    def algorithm(self) -> str:
        return ALGORITHM

    def sign(self, message: bytes) -> str:
        signature = self.private_key.sign(message, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signature).decode("ascii")

    def public_pem(self) -> str:
        return public_pem_of(self.private_key.public_key())


def public_pem_of(public_key: ec.EllipticCurvePublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id_of(public_key: ec.EllipticCurvePublicKey) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def verify_signature(public_pem: str, message: bytes, signature: str) -> bool:
    """Whether `signature` (base64 DER) is `message` signed by the key of `public_pem`."""
    public_key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    try:
        public_key.verify(base64.b64decode(signature), message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def load_signing_key(key_dir: Path) -> SigningKey | None:
    """The current key, or None when `comptoir init` has not made one in `key_dir`."""
    current = key_dir / _CURRENT
    if not current.is_file():
        return None
    key_id = current.read_text(encoding="ascii").strip()
    pem = (key_dir / f"{key_id}.pem").read_bytes()
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{key_id}.pem is not an elliptic-curve key")
    return SigningKey(key_id=key_id, private_key=private_key)


def create_signing_key(key_dir: Path, *, make_current: bool = True) -> SigningKey:
    """A new P-256 key written with owner-only permissions, and made the current one
    (unless not `make_current`: a rotation makes it current once the journal records it)."""
    key_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(key_dir, 0o700)
    private_key = ec.generate_private_key(ec.SECP256R1())
    key = SigningKey(key_id=key_id_of(private_key.public_key()), private_key=private_key)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(key_dir / f"{key.key_id}.pem", pem)
    if make_current:
        make_key_current(key_dir, key)
    return key


def make_key_current(key_dir: Path, key: SigningKey) -> None:
    _write_private(key_dir / _CURRENT, key.key_id.encode("ascii"))


def _write_private(path: Path, content: bytes) -> None:
    # Created 0600 from the start: never readable by others, even for an instant.
    temporary = path.with_suffix(path.suffix + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
