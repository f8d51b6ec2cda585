"""Seal keys held in a server-side session under a value that only the person's cookie holds.

docs/design.md, property 2: a session that needs a private key keeps it only encrypted under a
key that lives in the person's cookie alone, so a dump of the session store (database,
cache, backup) yields no usable key. Fernet is AES-128-CBC with HMAC-SHA256: an altered
token or a wrong key is refused, never decrypted to garbage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from clarion.vault.errors import DecryptionError

__all__ = ["derive_session_key", "new_session_key", "seal", "unseal"]

_UNSEAL_FAILED = "The session could not be unsealed: wrong key, or altered data."


def new_session_key() -> str:
    """Generate a random sealing key, to be sent in the person's cookie only."""
    return Fernet.generate_key().decode("ascii")


def derive_session_key(secret: str, purpose: str) -> str:
    """Derive a sealing key from a random `secret` held by the person (at least 128 bits).

    One secret in a person's hands can then both name a server-side row (one purpose) and
    seal what the row keeps (another), while the row's name alone opens nothing: HMAC-SHA256
    keyed by the secret, one output per purpose.
    """
    if len(secret) < 22:  # 22 base64 characters: 128 bits
        raise ValueError("the secret is too short to derive a key from")
    digest = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _fernet(session_key: str) -> Fernet:
    """Build a Fernet for `session_key`; raise `DecryptionError` without echoing it."""
    try:
        return Fernet(session_key)
    except (ValueError, TypeError, binascii.Error):
        # A cookie is attacker-controlled input: a bad one is a failure to unseal.
        raise DecryptionError(_UNSEAL_FAILED) from None


def seal(plaintext: bytes, session_key: str) -> str:
    """Encrypt and authenticate `plaintext` under `session_key`; return a Fernet token."""
    return _fernet(session_key).encrypt(bytes(plaintext)).decode("ascii")


def unseal(token: str, session_key: str) -> bytes:
    """Return what `seal` sealed; raise `DecryptionError` for a wrong key or altered token."""
    fernet = _fernet(session_key)
    try:
        return fernet.decrypt(token)
    except (InvalidToken, ValueError, TypeError):
        raise DecryptionError(_UNSEAL_FAILED) from None
