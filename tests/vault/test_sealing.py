"""Test that keys sealed in a server-side session open only with the cookie's value."""

from __future__ import annotations

import base64
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clarion.vault import DecryptionError, derive_session_key, new_session_key, seal, unseal


@given(plaintext=st.binary(max_size=2000))
def test_seal_then_unseal_returns_the_plaintext(plaintext: bytes) -> None:
    key = new_session_key()
    assert unseal(seal(plaintext, key), key) == plaintext


def test_a_sealed_value_does_not_contain_the_plaintext() -> None:
    token = seal(b"AGE-SECRET-KEY-1CANARY", new_session_key())
    assert "CANARY" not in token
    assert seal(b"same", new_session_key()) != seal(b"same", new_session_key())


def test_session_keys_are_fresh_and_cookie_safe() -> None:
    keys = {new_session_key() for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        assert len(key) == 44
        assert key.isascii()
        assert ";" not in key
        assert "," not in key


def test_another_sessions_key_cannot_unseal() -> None:
    token = seal(b"identity", new_session_key())
    with pytest.raises(DecryptionError):
        unseal(token, new_session_key())


def same_bytes(one: str, other: str) -> bool:
    """Return whether two tokens decode to the same bytes."""
    try:
        return base64.urlsafe_b64decode(one) == base64.urlsafe_b64decode(other)
    except ValueError:
        return False


@given(position=st.integers(min_value=0), replacement=st.sampled_from("AQgw-_0z"))
def test_an_altered_token_is_refused(position: int, replacement: str) -> None:
    key = new_session_key()
    token = seal(b"identity", key)
    position %= len(token)
    altered = token[:position] + replacement + token[position + 1 :]
    if same_bytes(altered, token):
        return  # e.g. only unused low bits of the last base64 digit changed: not an alteration
    with pytest.raises(DecryptionError):
        unseal(altered, key)


@pytest.mark.parametrize("bad_key", ["", "not base64!", "c2hvcnQ=", "é" * 44])
def test_a_malformed_cookie_value_is_a_decryption_error(bad_key: str) -> None:
    token = seal(b"identity", new_session_key())
    with pytest.raises(DecryptionError) as caught:
        unseal(token, bad_key)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("bad_token", ["", "garbage", "é", "gAAAAA" + "A" * 100])
def test_a_malformed_token_is_a_decryption_error(bad_token: str) -> None:
    with pytest.raises(DecryptionError):
        unseal(bad_token, new_session_key())


secrets_ = st.builds(lambda n: secrets.token_urlsafe(n), st.integers(min_value=16, max_value=64))


@given(secret=secrets_, plaintext=st.binary(max_size=500))
def test_a_derived_key_seals_and_only_the_same_secret_and_purpose_unseal(secret: str, plaintext: bytes) -> None:
    key = derive_session_key(secret, "receipt")
    token = seal(plaintext, key)
    assert unseal(token, derive_session_key(secret, "receipt")) == plaintext
    for other in (derive_session_key(secret, "row name"), derive_session_key(secrets.token_urlsafe(32), "receipt")):
        with pytest.raises(DecryptionError):
            unseal(token, other)


@given(secret=secrets_)
def test_keys_derived_for_two_purposes_say_nothing_of_each_other(secret: str) -> None:
    one, two = derive_session_key(secret, "row name"), derive_session_key(secret, "receipt")
    assert one != two
    assert secret not in one and secret not in two
    assert len(base64.urlsafe_b64decode(one)) == 32


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        derive_session_key("short", "receipt")
