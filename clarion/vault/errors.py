"""Define the one error hierarchy that the vault raises.

Callers catch `VaultError` (or a subclass) and never see an exception type of the
libraries underneath, whose messages and tracebacks could carry more than they should.
"""

from __future__ import annotations

__all__ = ["BlobPathError", "DecryptionError", "InvalidReceipt", "VaultError"]


class VaultError(Exception):
    """Signal any failure of the vault."""


class DecryptionError(VaultError):
    """Signal a wrong key, or a tampered, truncated or malformed ciphertext or key.

    Always raised `from None`: the underlying library's exception, whose frames may hold
    key material, is not chained into the traceback.
    """


class BlobPathError(VaultError):
    """Signal a blob name that is invalid, missing, a symlink, or outside the store."""


class InvalidReceipt(VaultError):
    """Signal a receipt that cannot be right; `str()` is a plain message for the source."""
