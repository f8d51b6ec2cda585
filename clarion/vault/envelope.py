"""Encrypt and decrypt tip content with age (X25519 recipients, ChaCha20-Poly1305 chunks).

Everything here produces or reads the standard `age-encryption.org/v1` binary format
through pyrage, so an export decrypts with the stock `age` command-line tool. No cipher or
file format is invented here.

Key model (docs/design.md, "Encryption model"): each tip has a *conversation* key pair (source
and reviewers) and a *case* key pair (reviewers only). Content is encrypted to the tip's
public keys; only the small secret keys are wrapped to each person with `wrap_secrets`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import pyrage
from pyrage import passphrase as age_passphrase
from pyrage import x25519

from clarion.vault._age import (
    DECRYPTION_FAILED,
    ReaderProxy,
    WriterProxy,
    parse_identities,
    parse_identity,
    parse_recipients,
    reraise_caller_error,
)
from clarion.vault.errors import DecryptionError, VaultError
from clarion.vault.streaming import StreamEncryptor, iter_decrypted
from clarion.vault.types import AgeIdentityStr, AgeRecipientStr

__all__ = [
    "KeyPair",
    "StreamEncryptor",
    "TipKeys",
    "decrypt",
    "decrypt_stream",
    "encrypt",
    "encrypt_stream",
    "generate_keypair",
    "is_valid_recipient",
    "iter_decrypted",
    "keypair_from_identity",
    "new_tip_keys",
    "unwrap_secrets",
    "wrap_secrets",
]


@dataclass(frozen=True, repr=False)
class KeyPair:
    """Hold an age X25519 secret key and its public key."""

    identity: AgeIdentityStr = field(repr=False)
    recipient: AgeRecipientStr

    def __repr__(self) -> str:
        """Show the public key only: a repr ends up in logs, debuggers and error pages."""
        return f"KeyPair(recipient={self.recipient!r}, identity=<redacted>)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Print the redacted repr in IPython and Hypothesis, which list dataclass fields."""
        printer.text(repr(self))


@dataclass(frozen=True)
class TipKeys:
    """Hold the two key pairs of one tip."""

    conversation: KeyPair  # source and reviewers: answers, files, messages both ways
    case: KeyPair  # reviewers only: internal notes and verification work


def _keypair(identity: x25519.Identity) -> KeyPair:
    """Build a `KeyPair` in canonical text form from a parsed pyrage identity."""
    return KeyPair(
        identity=AgeIdentityStr(str(identity)),
        recipient=AgeRecipientStr(str(identity.to_public())),
    )


def generate_keypair() -> KeyPair:
    """Generate a new random age X25519 key pair."""
    return _keypair(x25519.Identity.generate())


def keypair_from_identity(identity: AgeIdentityStr) -> KeyPair:
    """Return the key pair of an age secret key; raise `DecryptionError` if it is malformed.

    The returned identity is in canonical (upper-case) form.
    """
    if not isinstance(identity, str):
        raise DecryptionError("Not a valid age secret key.")
    return _keypair(parse_identity(identity))


def is_valid_recipient(recipient: str) -> bool:
    """Return whether `recipient` is an age X25519 public key exactly as `age-keygen` prints it.

    Only the canonical lower-case form is accepted, so that stored keys compare equal;
    a form may strip and lower-case what an admin pasted before asking.
    """
    if not isinstance(recipient, str):
        return False
    try:
        return str(x25519.Recipient.from_str(recipient)) == recipient
    except Exception:
        return False


def new_tip_keys() -> TipKeys:
    """Generate the conversation and case key pairs for a new tip."""
    return TipKeys(conversation=generate_keypair(), case=generate_keypair())


def encrypt(plaintext: bytes, recipients: Sequence[AgeRecipientStr]) -> bytes:
    """Encrypt `plaintext` to every recipient, in the age binary format."""
    keys = parse_recipients(recipients)
    try:
        return pyrage.encrypt(bytes(plaintext), keys)
    except Exception:
        raise VaultError("Encryption failed.") from None


def decrypt(ciphertext: bytes, identities: Sequence[AgeIdentityStr]) -> bytes:
    """Decrypt an age ciphertext with any of `identities`; raise `DecryptionError` on any failure.

    The whole ciphertext is authenticated before anything is returned.
    """
    keys = parse_identities(identities)
    try:
        return pyrage.decrypt(bytes(ciphertext), keys)
    except Exception:
        raise DecryptionError(DECRYPTION_FAILED) from None


#: Shortest passphrase accepted: it alone protects what is encrypted with it, offline, against
#: guessing at scrypt's cost (NIST SP 800-63B-4 asks 15 characters of a single-factor password).
MIN_PASSPHRASE_CHARS = 15


def encrypt_with_passphrase(plaintext: bytes, passphrase: str) -> bytes:
    """Encrypt `plaintext` under a passphrase: age's scrypt recipient, which `age -d` opens by asking for it.

    For exports to someone without an age key. The passphrase is never kept.
    """
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ValueError(f"a passphrase needs at least {MIN_PASSPHRASE_CHARS} characters")
    try:
        return age_passphrase.encrypt(bytes(plaintext), passphrase)
    except Exception:
        raise VaultError("Encryption failed.") from None


def decrypt_with_passphrase(ciphertext: bytes, passphrase: str) -> bytes:
    """Decrypt what `encrypt_with_passphrase` made; raise `DecryptionError` on any failure."""
    try:
        return age_passphrase.decrypt(bytes(ciphertext), passphrase)
    except Exception:
        raise DecryptionError(DECRYPTION_FAILED) from None


def wrap_secrets(secrets: Mapping[str, AgeIdentityStr], recipients: Sequence[AgeRecipientStr]) -> bytes:
    """Encrypt named secret keys (e.g. a tip's "conversation" and "case") to `recipients`.

    Granting access is wrapping to one more person; revoking is deleting their wrap.
    """
    if not secrets:
        raise ValueError("nothing to wrap")
    payload: dict[str, str] = {}
    for name, identity in secrets.items():
        if not isinstance(name, str) or not name:
            raise ValueError("each wrapped secret needs a non-empty string name")
        try:
            payload[name] = keypair_from_identity(identity).identity
        except DecryptionError:
            # Refuse to wrap junk: it would only be discovered when someone needs the key.
            raise ValueError(f"secret {name!r} is not a valid age secret key") from None
    document = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return encrypt(document.encode("utf-8"), recipients)


def unwrap_secrets(wrapped: bytes, identities: Sequence[AgeIdentityStr]) -> dict[str, AgeIdentityStr]:
    """Decrypt secrets wrapped by `wrap_secrets`; raise `DecryptionError` on any failure."""
    document = decrypt(wrapped, identities)
    try:
        payload = json.loads(document)
    except ValueError:
        raise DecryptionError("The wrapped secrets are malformed.") from None
    if not isinstance(payload, dict) or not payload:
        raise DecryptionError("The wrapped secrets are malformed.")
    secrets: dict[str, AgeIdentityStr] = {}
    for name, identity in payload.items():
        if not isinstance(identity, str):
            raise DecryptionError("The wrapped secrets are malformed.")
        secrets[name] = keypair_from_identity(AgeIdentityStr(identity)).identity
    return secrets


def encrypt_stream(reader: BinaryIO, writer: BinaryIO, recipients: Sequence[AgeRecipientStr]) -> None:
    """Encrypt everything `reader` yields into `writer`, in constant memory.

    An exception from `reader` or `writer` (say, a full disk) is re-raised as itself.
    """
    keys = parse_recipients(recipients)
    source, sink = ReaderProxy(reader), WriterProxy(writer)
    try:
        pyrage.encrypt_io(source, sink, keys)
    except Exception:
        reraise_caller_error(source, sink)
        raise VaultError("Encryption failed.") from None
    # pyrage's last write happens while it drops its buffer, where errors are ignored.
    reraise_caller_error(source, sink)


def decrypt_stream(reader: BinaryIO, writer: BinaryIO, identities: Sequence[AgeIdentityStr]) -> None:
    """Decrypt an age stream from `reader` into `writer`, in constant memory.

    Raise `DecryptionError` for a wrong key or damaged data. Each 64 KiB chunk is
    authenticated before it is written, but damage to a later chunk (or truncation) is
    found only when it is reached: on `DecryptionError`, discard what `writer` received.
    An exception from `reader` or `writer` itself is re-raised as itself.
    """
    keys = parse_identities(identities)
    source, sink = ReaderProxy(reader), WriterProxy(writer)
    try:
        pyrage.decrypt_io(source, sink, keys)
    except Exception:
        reraise_caller_error(source, sink)
        raise DecryptionError(DECRYPTION_FAILED) from None
    reraise_caller_error(source, sink)
