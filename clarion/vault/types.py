"""Name the strings that must not be mixed up (a secret key is not a public key)."""

from __future__ import annotations

from typing import NewType

__all__ = ["AgeIdentityStr", "AgeRecipientStr", "BlobName", "Receipt"]

#: An age X25519 secret key, "AGE-SECRET-KEY-1...". Never log it, never store it bare.
AgeIdentityStr = NewType("AgeIdentityStr", str)
#: An age X25519 public key, "age1...".
AgeRecipientStr = NewType("AgeRecipientStr", str)
#: A normalised receipt: seven lowercase words joined by single spaces.
Receipt = NewType("Receipt", str)
#: The name of a blob in a `BlobStore`: 32 lowercase hexadecimal characters.
BlobName = NewType("BlobName", str)
