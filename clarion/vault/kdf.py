"""Derive keys from secrets people hold: passwords, recovery codes, receipts.

Argon2id is memory-hard, so each guess at a stolen wrap or lookup id costs an attacker
real memory and time; the parameters live in exactly one place, `DEFAULT_KDF`.
"""

from __future__ import annotations

from dataclasses import dataclass

import bech32
from argon2.low_level import Type, hash_secret_raw

from clarion.vault.envelope import KeyPair, keypair_from_identity
from clarion.vault.errors import DecryptionError
from clarion.vault.types import AgeIdentityStr

__all__ = [
    "DEFAULT_KDF",
    "KdfParams",
    "MIN_SALT_BYTES",
    "derive_identity",
    "derive_key_material",
    "identity_from_seed",
]

#: Shortest salt accepted: 128 bits, as RFC 9106 recommends.
MIN_SALT_BYTES = 16
_MIN_OUTPUT_BYTES = 16
_SEED_BYTES = 32


@dataclass(frozen=True)
class KdfParams:
    """Hold Argon2id's cost parameters."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int

    def __post_init__(self) -> None:
        """Refuse parameters that libargon2 would reject, before any secret is touched."""
        if self.time_cost < 1 or self.parallelism < 1:
            raise ValueError("time_cost and parallelism must be at least 1")
        if self.memory_cost_kib < 8 * self.parallelism:
            raise ValueError("memory_cost_kib must be at least 8 * parallelism")


#: One of OWASP's equivalent Argon2id configurations (12 MiB, 3 passes, 1 lane): 29 ms here
#: against 35 ms for 19 MiB x 2, which matters at one pass per tip (bench/tips.py). Changing
#: it changes every derived key: receipts would stop finding their tips and wraps stop
#: opening, so a future change must store the parameters beside what they derived.
DEFAULT_KDF = KdfParams(time_cost=3, memory_cost_kib=12288, parallelism=1)


def derive_key_material(secret: bytes, *, salt: bytes, params: KdfParams, length: int = 64) -> bytes:
    """Run one Argon2id pass over `secret` and return `length` bytes of key material."""
    if len(salt) < MIN_SALT_BYTES:
        raise ValueError(f"salt must be at least {MIN_SALT_BYTES} bytes")
    if length < _MIN_OUTPUT_BYTES:
        raise ValueError(f"length must be at least {_MIN_OUTPUT_BYTES} bytes")
    return hash_secret_raw(
        secret=bytes(secret),
        salt=bytes(salt),
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=length,
        type=Type.ID,
    )


def identity_from_seed(seed: bytes) -> KeyPair:
    """Return the age X25519 key pair whose secret key is the 32 bytes of `seed`.

    This is the encoding `age-keygen` writes (Bech32, human-readable part
    "AGE-SECRET-KEY-", upper case); the scalar is clamped by X25519 itself, so any 32
    bytes are a valid key. Deterministic: the same seed always gives the same key pair.
    """
    if len(seed) != _SEED_BYTES:
        raise ValueError(f"seed must be exactly {_SEED_BYTES} bytes")
    words = bech32.convertbits(bytes(seed), 8, 5)
    encoded = bech32.bech32_encode("age-secret-key-", words) if words is not None else None
    if encoded is None:  # pragma: no cover - convertbits accepts any bytes
        raise ValueError("seed could not be encoded")
    try:
        return keypair_from_identity(AgeIdentityStr(encoded.upper()))
    except DecryptionError:  # pragma: no cover - any 32 bytes encode a valid key
        raise ValueError("seed did not give a valid age identity") from None


def derive_identity(secret: bytes, *, salt: bytes, params: KdfParams) -> KeyPair:
    """Derive a person's age key pair from a password or recovery code (one Argon2id pass).

    The pass asks for exactly 32 bytes. Argon2 mixes the output length into its first
    block, so this never equals either half of a 64-byte receipt derivation, even for an
    equal secret and salt: the two uses are kept apart by construction.
    """
    return identity_from_seed(derive_key_material(secret, salt=salt, params=params, length=_SEED_BYTES))
