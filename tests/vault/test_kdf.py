"""Test key derivation: Argon2id, and age identities from seeds and passwords."""

from __future__ import annotations

import bech32
import pytest
from argon2.low_level import Type, hash_secret_raw
from hypothesis import given
from hypothesis import strategies as st
from pyrage import x25519

from clarion.vault import (
    DEFAULT_KDF,
    KdfParams,
    decrypt,
    derive_identity,
    derive_key_material,
    encrypt,
    identity_from_seed,
)

SALT = b"clarion-test-salt"

# Made once with `age-keygen`; a test vector, never used for anything else.
AGE_KEYGEN_IDENTITY = "AGE-SECRET-KEY-13UFHWXJJVMKTQQSURN8KPYLTGHP6HG0L80SMNRU5DEEEHV32X5ASXQFN2R"
AGE_KEYGEN_RECIPIENT = "age1xfqznynw3q0qh5xf52npvwl9c0xgcezu83ys3crwjfhlgecz3dns24t4wr"


def test_default_parameters_are_owasps_first_argon2id_recommendation() -> None:
    assert DEFAULT_KDF == KdfParams(time_cost=3, memory_cost_kib=12288, parallelism=1)


def test_key_material_is_one_argon2id_pass_with_the_given_parameters(
    insecure_fast_kdf: KdfParams,
) -> None:
    expected = hash_secret_raw(
        secret=b"secret",
        salt=SALT,
        time_cost=insecure_fast_kdf.time_cost,
        memory_cost=insecure_fast_kdf.memory_cost_kib,
        parallelism=insecure_fast_kdf.parallelism,
        hash_len=64,
        type=Type.ID,
    )
    assert derive_key_material(b"secret", salt=SALT, params=insecure_fast_kdf) == expected


def test_key_material_is_stable_across_releases(insecure_fast_kdf: KdfParams) -> None:
    # Pinned: if this changes, every stored wrap and lookup id silently stops matching.
    material = derive_key_material(b"correct horse battery staple", salt=SALT, params=insecure_fast_kdf)
    assert material.hex() == (
        "ecdf72899b941772f356d3833396295ec825ab7784e43c1798470da1115dd416"
        "d24ab6e0021d7fcea39073d14d1d5fe8fd5bda072cd89e4729e6a08170c9399a"
    )


def test_key_material_depends_on_secret_salt_parameters_and_length(
    insecure_fast_kdf: KdfParams,
) -> None:
    base = derive_key_material(b"secret", salt=SALT, params=insecure_fast_kdf)
    harder = KdfParams(time_cost=2, memory_cost_kib=8, parallelism=1)
    variants = {
        derive_key_material(b"secreT", salt=SALT, params=insecure_fast_kdf),
        derive_key_material(b"secret", salt=SALT + b"!", params=insecure_fast_kdf),
        derive_key_material(b"secret", salt=SALT, params=harder),
        derive_key_material(b"secret", salt=SALT, params=insecure_fast_kdf, length=32),
    }
    assert base not in variants
    assert len(variants) == 4
    assert len(base) == 64
    # The output length is bound into Argon2's first block: a 32-byte derivation is not
    # a prefix of the 64-byte one, which keeps the two uses apart.
    assert base[:32] not in variants


def test_short_salts_and_outputs_are_refused(insecure_fast_kdf: KdfParams) -> None:
    with pytest.raises(ValueError):
        derive_key_material(b"secret", salt=b"short", params=insecure_fast_kdf)
    with pytest.raises(ValueError):
        derive_key_material(b"secret", salt=SALT, params=insecure_fast_kdf, length=8)


@pytest.mark.parametrize(
    ("time_cost", "memory_cost_kib", "parallelism"),
    [(0, 8, 1), (1, 7, 1), (1, 8, 0), (1, 8, 2)],
)
def test_parameters_libargon2_would_reject_are_refused_early(
    time_cost: int, memory_cost_kib: int, parallelism: int
) -> None:
    with pytest.raises(ValueError):
        KdfParams(time_cost=time_cost, memory_cost_kib=memory_cost_kib, parallelism=parallelism)


def test_identity_from_seed_matches_age_keygen() -> None:
    # Given the 32 secret bytes inside a key that age-keygen made
    _, words = bech32.bech32_decode(AGE_KEYGEN_IDENTITY.lower())
    assert words is not None
    seed = bytes(bech32.convertbits(words, 5, 8, False) or [])
    # Then the vault encodes them to the very same key pair
    keypair = identity_from_seed(seed)
    assert keypair.identity == AGE_KEYGEN_IDENTITY
    assert keypair.recipient == AGE_KEYGEN_RECIPIENT


@given(seed=st.binary(min_size=32, max_size=32))
def test_any_32_bytes_seed_a_working_age_identity(seed: bytes) -> None:
    keypair = identity_from_seed(seed)
    assert str(x25519.Identity.from_str(keypair.identity).to_public()) == keypair.recipient
    assert identity_from_seed(seed) == keypair
    assert decrypt(encrypt(b"hello", [keypair.recipient]), [keypair.identity]) == b"hello"


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_identity_from_seed_refuses_other_lengths(size: int) -> None:
    with pytest.raises(ValueError):
        identity_from_seed(bytes(size))


def test_derive_identity_is_deterministic_and_secret_dependent(
    insecure_fast_kdf: KdfParams,
) -> None:
    first = derive_identity(b"hunter2 hunter2", salt=b"reviewer-salt-0001", params=insecure_fast_kdf)
    again = derive_identity(b"hunter2 hunter2", salt=b"reviewer-salt-0001", params=insecure_fast_kdf)
    other = derive_identity(b"hunter2 hunter3", salt=b"reviewer-salt-0001", params=insecure_fast_kdf)
    salted = derive_identity(b"hunter2 hunter2", salt=b"reviewer-salt-0002", params=insecure_fast_kdf)
    assert first == again
    assert first.recipient == "age1lxrzch5xkv8jz324h8rz47tk3h8nk0rps2hazntvpfjwhjra2v4ql7tzf0"
    assert len({first.identity, other.identity, salted.identity}) == 3


def test_derive_identity_seeds_from_a_32_byte_argon2id_output(
    insecure_fast_kdf: KdfParams,
) -> None:
    secret, salt = b"recovery code", b"reviewer-salt-0001"
    seed = derive_key_material(secret, salt=salt, params=insecure_fast_kdf, length=32)
    derived = derive_identity(secret, salt=salt, params=insecure_fast_kdf)
    assert derived == identity_from_seed(seed)
