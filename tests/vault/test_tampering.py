"""Test that any change to a ciphertext is detected, by every way of decrypting it."""

from __future__ import annotations

import functools
import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.vault import (
    DecryptionError,
    KeyPair,
    decrypt,
    decrypt_stream,
    encrypt_stream,
    generate_keypair,
    iter_decrypted,
    unwrap_secrets,
    wrap_secrets,
)

AGE_CHUNK = 64 * 1024
SEALED_CHUNK = AGE_CHUNK + 16  # each chunk carries a 16-byte Poly1305 tag
NONCE = 16


@functools.cache
def sample() -> tuple[KeyPair, bytes, bytes]:
    """Return a key pair, a plaintext of three full chunks and a partial one, and its ciphertext."""
    keypair = generate_keypair()
    plaintext = os.urandom(3 * AGE_CHUNK + 1000)
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), out, [keypair.recipient])
    return keypair, plaintext, out.getvalue()


def header_length(ciphertext: bytes) -> int:
    """Return the length of the age header, up to and including the MAC line."""
    mac_line = ciphertext.index(b"\n---") + 1
    return ciphertext.index(b"\n", mac_line) + 1


@st.composite
def flipped(draw: st.DrawFn) -> bytes:
    """Draw the sample ciphertext with one byte changed in its header, nonce, body or last chunk."""
    ciphertext = sample()[2]
    header = header_length(ciphertext)
    body = len(ciphertext) - header - NONCE
    last_chunk = header + NONCE + (body - 1) // SEALED_CHUNK * SEALED_CHUNK
    regions = {
        "header": (0, header - 1),
        "nonce": (header, header + NONCE - 1),
        "body": (header + NONCE, len(ciphertext) - 1),
        "last chunk": (last_chunk, len(ciphertext) - 1),
    }
    low, high = regions[draw(st.sampled_from(sorted(regions)))]
    position = draw(st.integers(low, high))
    tampered = bytearray(ciphertext)
    tampered[position] ^= draw(st.integers(1, 255))
    return bytes(tampered)


def test_the_sample_decrypts_untouched() -> None:
    # Guard: the tamper tests below must fail because of the tampering alone.
    keypair, plaintext, ciphertext = sample()
    assert decrypt(ciphertext, [keypair.identity]) == plaintext
    assert b"".join(iter_decrypted(io.BytesIO(ciphertext), [keypair.identity])) == plaintext
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(ciphertext), out, [keypair.identity])
    assert out.getvalue() == plaintext


@settings(deadline=None)
@given(tampered=flipped())
def test_a_flipped_byte_anywhere_makes_decrypt_fail(tampered: bytes) -> None:
    keypair = sample()[0]
    with pytest.raises(DecryptionError):
        decrypt(tampered, [keypair.identity])


@settings(max_examples=60, deadline=None)
@given(tampered=flipped())
def test_a_flipped_byte_anywhere_makes_decrypt_stream_fail(tampered: bytes) -> None:
    keypair = sample()[0]
    with pytest.raises(DecryptionError):
        decrypt_stream(io.BytesIO(tampered), io.BytesIO(), [keypair.identity])


@settings(max_examples=60, deadline=None)
@given(tampered=flipped())
def test_a_flipped_byte_anywhere_makes_iter_decrypted_fail(tampered: bytes) -> None:
    keypair = sample()[0]
    with pytest.raises(DecryptionError):
        for _ in iter_decrypted(io.BytesIO(tampered), [keypair.identity], chunk_size=4096):
            pass


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=0))
def test_a_truncated_ciphertext_fails_every_way(cut: int) -> None:
    keypair, _, ciphertext = sample()
    truncated = ciphertext[: cut % len(ciphertext)]
    with pytest.raises(DecryptionError):
        decrypt(truncated, [keypair.identity])
    with pytest.raises(DecryptionError):
        decrypt_stream(io.BytesIO(truncated), io.BytesIO(), [keypair.identity])
    with pytest.raises(DecryptionError):
        b"".join(iter_decrypted(io.BytesIO(truncated), [keypair.identity]))


def test_a_truncation_at_a_chunk_boundary_is_detected_at_the_end() -> None:
    # Given a ciphertext cut right after a complete chunk (every tag in it is valid)
    keypair, _, ciphertext = sample()
    header = header_length(ciphertext)
    truncated = ciphertext[: header + NONCE + 2 * SEALED_CHUNK]
    # When it is streamed, authenticated plaintext flows first...
    chunks = iter_decrypted(io.BytesIO(truncated), [keypair.identity], chunk_size=AGE_CHUNK)
    assert len(next(chunks)) == AGE_CHUNK
    # Then the missing last-chunk flag is caught at the end
    with pytest.raises(DecryptionError):
        list(chunks)


def test_appended_bytes_make_decryption_fail() -> None:
    keypair, _, ciphertext = sample()
    with pytest.raises(DecryptionError):
        decrypt(ciphertext + b"\0", [keypair.identity])
    with pytest.raises(DecryptionError):
        b"".join(iter_decrypted(io.BytesIO(ciphertext + b"\0"), [keypair.identity]))


@given(position=st.integers(min_value=0), mask=st.integers(1, 255))
def test_a_flipped_byte_in_wrapped_secrets_makes_unwrap_fail(position: int, mask: int) -> None:
    keypair = sample()[0]
    tip_key = generate_keypair()
    wrapped = bytearray(wrap_secrets({"conversation": tip_key.identity}, [keypair.recipient]))
    wrapped[position % len(wrapped)] ^= mask
    with pytest.raises(DecryptionError):
        unwrap_secrets(bytes(wrapped), [keypair.identity])
