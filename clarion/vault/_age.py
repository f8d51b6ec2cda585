"""Translate between the vault's key strings and pyrage, and confine pyrage's errors.

Private to the vault. pyrage's own exception types (and the `OSError` it raises for a
damaged stream body) never cross this package's boundary: callers see `DecryptionError`
or `VaultError`, raised `from None` so that no frame holding key material is chained.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO

from pyrage import x25519

from clarion.vault.errors import DecryptionError

__all__ = [
    "DECRYPTION_FAILED",
    "ReaderProxy",
    "WriterProxy",
    "parse_identities",
    "parse_identity",
    "parse_recipients",
    "reraise_caller_error",
]

#: The one message for every decryption failure: which check failed is nobody's business.
DECRYPTION_FAILED = "The data could not be decrypted: wrong key, or damaged or altered data."


def parse_identity(identity: str) -> x25519.Identity:
    """Parse one age X25519 secret key, or raise `DecryptionError` without echoing it."""
    try:
        return x25519.Identity.from_str(identity)
    except Exception:
        # The message must not contain the (possibly almost valid) secret key.
        raise DecryptionError("Not a valid age secret key.") from None


def parse_identities(identities: Sequence[str]) -> list[x25519.Identity]:
    """Parse age secret keys for decryption; refuse an empty list or a bare string."""
    if isinstance(identities, str):
        # A bare string is a Sequence too; iterating it would try each character.
        raise TypeError("identities must be a sequence of keys, not one string")
    parsed = [parse_identity(identity) for identity in identities]
    if not parsed:
        raise ValueError("at least one identity is needed to decrypt")
    return parsed


def parse_recipients(recipients: Sequence[str]) -> list[x25519.Recipient]:
    """Parse age public keys for encryption; refuse an empty list, a bare string or junk.

    Raise `ValueError`: a bad public key here is a programming or configuration error
    (admin input is checked earlier with `is_valid_recipient`), not a decryption failure.
    """
    if isinstance(recipients, str):
        raise TypeError("recipients must be a sequence of keys, not one string")
    parsed: list[x25519.Recipient] = []
    seen: set[str] = set()
    for recipient in recipients:
        try:
            key = x25519.Recipient.from_str(recipient)
        except Exception:
            # Not echoed: a secret key passed here by mistake must not reach a log.
            raise ValueError("not a valid age recipient (expected 'age1...')") from None
        canonical = str(key)
        if canonical not in seen:  # the same person listed twice needs one stanza
            seen.add(canonical)
            parsed.append(key)
    if not parsed:
        # Encrypting to nobody would make data that no one can ever read.
        raise ValueError("at least one recipient is needed to encrypt")
    return parsed


class ReaderProxy:
    """Hand a caller's binary reader to pyrage and remember the first error it raised.

    pyrage turns a Python exception inside `read` into its own I/O error, which is
    indistinguishable from a damaged ciphertext. Keeping the original lets the vault
    re-raise a genuine I/O failure as itself instead of calling it a decryption failure.
    """

    __slots__ = ("_inner", "error")

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` bytes from the wrapped reader, as bytes pyrage accepts."""
        try:
            data = self._inner.read(size)
        except BaseException as exc:
            if self.error is None:
                self.error = exc
            raise
        if data is None:
            # A non-blocking raw reader with nothing ready; pyrage would read it as EOF
            # and silently truncate the stream.
            self.error = BlockingIOError("reader returned None (non-blocking stream)")
            raise self.error
        # pyrage accepts only bytes or bytearray, not memoryview.
        return data if isinstance(data, bytes | bytearray) else bytes(data)


class WriterProxy:
    """Hand a caller's binary writer to pyrage and remember the first error it raised.

    pyrage flushes its last buffered block when it drops its buffered writer, and Rust
    ignores errors there. Without this record, a full disk during that final write would
    go unnoticed and leave a truncated ciphertext behind as if all were well.
    """

    __slots__ = ("_inner", "error")

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.error: BaseException | None = None

    def write(self, data: bytes) -> int:
        """Write all of `data` to the wrapped writer, retrying short writes."""
        if self.error is not None:
            # Fail every later call too, so nothing is appended after a lost block.
            raise self.error
        try:
            written = self._inner.write(data)
            if written is not None and written < len(data):
                view = memoryview(data)
                while written < len(data):
                    more = self._inner.write(view[written:])
                    if not more:
                        raise OSError("writer accepted no bytes")
                    written += more
        except BaseException as exc:
            self.error = exc
            raise
        return len(data)

    def flush(self) -> None:
        """Flush the wrapped writer if it can be flushed."""
        flush = getattr(self._inner, "flush", None)
        if flush is None:
            return
        try:
            flush()
        except BaseException as exc:
            if self.error is None:
                self.error = exc
            raise


def reraise_caller_error(*proxies: ReaderProxy | WriterProxy) -> None:
    """Raise the first exception that a caller's reader or writer raised, if any."""
    for proxy in proxies:
        if proxy.error is not None:
            raise proxy.error
