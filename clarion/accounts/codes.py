"""One-time codes people type or paste: invitations and recovery codes.

130 random bits from `secrets`, written in Crockford's base32 (no I, L, O, U) in groups of
five, so a code read aloud or copied by hand survives case, spaces, dashes and the usual
look-alikes (O for 0, I or L for 1). Only a hash of an invitation code is stored; a recovery
code is only ever used as an Argon2id password.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import NewType

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 26  # 26 x 5 bits = 130 bits
GROUP = 5

OneTimeCode = NewType("OneTimeCode", str)

_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


def generate_code() -> OneTimeCode:
    """Return a new random code, grouped for reading."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return OneTimeCode("-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP)))


def normalise_code(typed: str) -> str | None:
    """Return the canonical form of a typed code, or None when it cannot be one."""
    compact = _SEPARATORS.sub("", typed[:200]).upper().translate(_LOOKALIKES)
    if len(compact) != CODE_LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return compact


def code_hash(canonical: str) -> str:
    """Return the stored form of a canonical code (130 random bits need no slow hash)."""
    return hashlib.sha256(canonical.encode()).hexdigest()
