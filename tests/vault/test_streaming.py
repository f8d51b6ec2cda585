"""Test streaming encryption and decryption: round trips, failures, threads, flat memory."""

from __future__ import annotations

import errno
import gc
import hashlib
import io
import os
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.vault import (
    AgeIdentityStr,
    DecryptionError,
    KeyPair,
    StreamEncryptor,
    VaultError,
    decrypt,
    decrypt_stream,
    encrypt,
    encrypt_stream,
    iter_decrypted,
)

AGE_CHUNK = 64 * 1024
MIB = 1 << 20
# Sizes around age's 64 KiB chunk boundary, where off-by-one errors live.
EDGE_SIZES = [0, 1, AGE_CHUNK - 1, AGE_CHUNK, AGE_CHUNK + 1, 3 * AGE_CHUNK, 3 * AGE_CHUNK + 7]


def vault_threads() -> list[threading.Thread]:
    """Return the vault's live worker threads."""
    return [t for t in threading.enumerate() if t.name.startswith("clarion-vault-")]


class FailingWriter(io.RawIOBase):
    """Accept `capacity` bytes, then fail like a full disk."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.received = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.received + len(data) > self.capacity:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.received += len(data)
        return len(data)


class HashingSink(io.RawIOBase):
    """Hash what is written and keep nothing, so memory measures the vault alone."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.digest.update(data)
        self.size += len(data)
        return len(data)


class RecordingReader(io.BytesIO):
    """Record which read methods are called, and with what sizes."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.calls: set[tuple[str, int]] = set()

    def read(self, size: int | None = -1) -> bytes:
        self.calls.add(("read", -1 if size is None else size))
        return super().read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self.calls.add(("readinto", len(memoryview(buffer))))
        return super().readinto(buffer)


def test_pyrage_pulls_plaintext_with_read_of_8_kib(keypair: KeyPair) -> None:
    # The streaming module's reader implements only read(n) and hands back bytes, which
    # is what pyrage 1.4 uses. If an upgrade changes that, this fails first.
    source = RecordingReader(os.urandom(3 * AGE_CHUNK))
    encrypt_stream(source, io.BytesIO(), [keypair.recipient])
    assert source.calls == {("read", 8192)}


@pytest.mark.parametrize("size", EDGE_SIZES)
def test_encrypt_stream_then_decrypt_stream_returns_the_plaintext(keypair: KeyPair, size: int) -> None:
    plaintext = os.urandom(size)
    sealed, opened = io.BytesIO(), io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), sealed, [keypair.recipient])
    decrypt_stream(io.BytesIO(sealed.getvalue()), opened, [keypair.identity])
    assert opened.getvalue() == plaintext
    assert decrypt(sealed.getvalue(), [keypair.identity]) == plaintext


def test_decrypt_stream_with_the_wrong_key_raises_decryption_error(keypair: KeyPair, other_keypair: KeyPair) -> None:
    sealed = encrypt(b"x" * 1000, [keypair.recipient])
    with pytest.raises(DecryptionError):
        decrypt_stream(io.BytesIO(sealed), io.BytesIO(), [other_keypair.identity])


def test_encrypt_stream_reports_a_full_disk_on_the_final_write(keypair: KeyPair) -> None:
    # pyrage makes its last write while dropping its buffer and ignores errors there;
    # a small stream is written entirely at that moment.
    with pytest.raises(OSError) as caught:
        encrypt_stream(io.BytesIO(b"small"), FailingWriter(capacity=0), [keypair.recipient])
    assert caught.value.errno == errno.ENOSPC


def test_decrypt_stream_reraises_the_writers_own_error(keypair: KeyPair) -> None:
    sealed = encrypt(os.urandom(5 * AGE_CHUNK), [keypair.recipient])
    with pytest.raises(OSError) as caught:
        decrypt_stream(io.BytesIO(sealed), FailingWriter(capacity=AGE_CHUNK), [keypair.identity])
    assert caught.value.errno == errno.ENOSPC
    assert not isinstance(caught.value, DecryptionError)


@st.composite
def split_plaintext(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    """Draw a plaintext and a random way of cutting it into chunks (some empty)."""
    size = draw(st.sampled_from(EDGE_SIZES) | st.integers(0, 300_000))
    plaintext = draw(st.binary(min_size=size, max_size=size)) if size < 2000 else os.urandom(size)
    cuts = sorted(draw(st.lists(st.integers(0, size), max_size=12)))
    bounds = [0, *cuts, size]
    return plaintext, [plaintext[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=60, deadline=None)
@given(case=split_plaintext())
def test_stream_encryptor_with_any_chunking_round_trips(keypair: KeyPair, case: tuple[bytes, list[bytes]]) -> None:
    plaintext, chunks = case
    sealed = io.BytesIO()
    encryptor = StreamEncryptor(sealed, [keypair.recipient])
    for chunk in chunks:
        encryptor.write(chunk)
    assert encryptor.close() == len(plaintext)
    assert decrypt(sealed.getvalue(), [keypair.identity]) == plaintext


@pytest.mark.parametrize(
    "sizes",
    [
        [MIB, MIB, MIB + 3],  # large pieces pass whole
        [10, 2 * MIB, 5, MIB, 64 * 1024, MIB + 3, 100_000],  # small ones gathered in between
        [64 * 1024] * 40,  # Django's upload chunk size
    ],
)
def test_stream_encryptor_keeps_order_across_small_and_large_writes(keypair: KeyPair, sizes: list[int]) -> None:
    pieces = [os.urandom(size) for size in sizes]
    sealed = io.BytesIO()
    encryptor = StreamEncryptor(sealed, [keypair.recipient])
    for piece in pieces:
        encryptor.write(piece)
    assert encryptor.close() == sum(sizes)
    assert decrypt(sealed.getvalue(), [keypair.identity]) == b"".join(pieces)


@pytest.mark.parametrize("size", [1000, 2 * MIB])
def test_stream_encryptor_snapshots_mutable_buffers(keypair: KeyPair, size: int) -> None:
    # An upload handler may reuse its buffer as soon as write() returns.
    sealed = io.BytesIO()
    encryptor = StreamEncryptor(sealed, [keypair.recipient])
    buffer = bytearray(b"a" * size)
    encryptor.write(buffer)
    buffer[:] = b"b" * size
    encryptor.write(memoryview(buffer))
    buffer[:] = b"c" * size
    encryptor.close()
    assert decrypt(sealed.getvalue(), [keypair.identity]) == b"a" * size + b"b" * size


def test_stream_encryptor_refuses_writes_after_close(keypair: KeyPair) -> None:
    encryptor = StreamEncryptor(io.BytesIO(), [keypair.recipient])
    encryptor.write(b"x")
    assert encryptor.close() == 1
    assert encryptor.close() == 1
    with pytest.raises(VaultError):
        encryptor.write(b"more")


def test_stream_encryptor_abort_stops_its_thread(keypair: KeyPair) -> None:
    # Given an encryptor whose worker is waiting for more input
    encryptor = StreamEncryptor(io.BytesIO(), [keypair.recipient])
    encryptor.write(os.urandom(3 * AGE_CHUNK))
    # When it is aborted
    encryptor.abort()
    # Then no worker is left behind and it cannot be used again
    assert vault_threads() == []
    with pytest.raises(VaultError):
        encryptor.write(b"x")
    with pytest.raises(VaultError):
        encryptor.close()
    encryptor.abort()  # idempotent


def test_a_dropped_stream_encryptor_stops_its_thread(keypair: KeyPair) -> None:
    encryptor = StreamEncryptor(io.BytesIO(), [keypair.recipient])
    encryptor.write(b"x")
    del encryptor
    gc.collect()
    for thread in vault_threads():
        thread.join(timeout=5)
    assert vault_threads() == []


def test_stream_encryptor_reports_a_full_disk_from_write_or_close(keypair: KeyPair) -> None:
    encryptor = StreamEncryptor(FailingWriter(capacity=2 * AGE_CHUNK), [keypair.recipient])
    with pytest.raises(OSError) as caught:
        for _ in range(64):
            encryptor.write(os.urandom(AGE_CHUNK))
        encryptor.close()
    assert caught.value.errno == errno.ENOSPC
    assert vault_threads() == []


def test_stream_encryptor_reports_a_full_disk_on_the_final_block(keypair: KeyPair) -> None:
    encryptor = StreamEncryptor(FailingWriter(capacity=0), [keypair.recipient])
    encryptor.write(b"tiny")
    with pytest.raises(OSError):
        encryptor.close()


def test_stream_encryptor_refuses_bad_recipients_before_starting(keypair: KeyPair) -> None:
    with pytest.raises(ValueError):
        StreamEncryptor(io.BytesIO(), [])
    with pytest.raises(ValueError):
        StreamEncryptor(io.BytesIO(), ["age1nope"])  # type: ignore[list-item]
    assert vault_threads() == []


@settings(max_examples=40, deadline=None)
@given(
    size=st.sampled_from(EDGE_SIZES) | st.integers(0, 300_000),
    chunk_size=st.integers(256, 200_000),
)
def test_iter_decrypted_yields_the_plaintext_in_chunks_of_chunk_size(
    keypair: KeyPair, size: int, chunk_size: int
) -> None:
    plaintext = os.urandom(size)
    sealed = encrypt(plaintext, [keypair.recipient])
    chunks = list(iter_decrypted(io.BytesIO(sealed), [keypair.identity], chunk_size=chunk_size))
    assert b"".join(chunks) == plaintext
    assert all(len(chunk) == chunk_size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= chunk_size for chunk in chunks)


def test_iter_decrypted_can_yield_single_bytes(keypair: KeyPair) -> None:
    sealed = encrypt(b"abc" * 100, [keypair.recipient])
    chunks = list(iter_decrypted(io.BytesIO(sealed), [keypair.identity], chunk_size=1))
    assert len(chunks) == 300
    assert b"".join(chunks) == b"abc" * 100


def test_iter_decrypted_with_the_wrong_key_fails_before_the_first_chunk(
    keypair: KeyPair, other_keypair: KeyPair
) -> None:
    sealed = encrypt(b"x" * 1000, [keypair.recipient])
    chunks = iter_decrypted(io.BytesIO(sealed), [other_keypair.identity])
    with pytest.raises(DecryptionError):
        next(chunks)
    assert vault_threads() == []


def test_iter_decrypted_refuses_a_malformed_key_when_called(keypair: KeyPair) -> None:
    with pytest.raises(DecryptionError):
        iter_decrypted(io.BytesIO(b""), [AgeIdentityStr("AGE-SECRET-KEY-1BROKEN")])
    with pytest.raises(ValueError):
        iter_decrypted(io.BytesIO(b""), [keypair.identity], chunk_size=0)


def test_closing_iter_decrypted_early_stops_its_thread(keypair: KeyPair) -> None:
    # Given a download whose reader stops after the first chunk (client went away)
    sealed = encrypt(os.urandom(40 * AGE_CHUNK), [keypair.recipient])
    chunks = iter_decrypted(io.BytesIO(sealed), [keypair.identity], chunk_size=AGE_CHUNK)
    assert len(next(chunks)) == AGE_CHUNK
    # When the response closes the iterator
    chunks.close()
    # Then the worker has stopped
    assert vault_threads() == []


def test_an_unstarted_iter_decrypted_starts_no_thread(keypair: KeyPair) -> None:
    sealed = encrypt(b"x", [keypair.recipient])
    chunks = iter_decrypted(io.BytesIO(sealed), [keypair.identity])
    assert vault_threads() == []
    chunks.close()


def test_iter_decrypted_reraises_the_readers_own_error(keypair: KeyPair) -> None:
    sealed = encrypt(os.urandom(5 * AGE_CHUNK), [keypair.recipient])

    class BrokenDisk(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > AGE_CHUNK:
                raise OSError(errno.EIO, "Input/output error")
            return super().read(size)

    with pytest.raises(OSError) as caught:
        list(iter_decrypted(BrokenDisk(sealed), [keypair.identity]))
    assert caught.value.errno == errno.EIO


def chunks_of(total: int, size: int) -> Iterator[bytes]:
    """Yield `total` random bytes in fresh pieces of `size`, as an upload handler would."""
    for _ in range(total // size):
        yield os.urandom(size)


class ChunkReader(io.RawIOBase):
    """Read pseudo-random data made on the fly, without holding it."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.piece = os.urandom(MIB)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        size = min(len(buffer), self.left, len(self.piece))
        buffer[:size] = self.piece[:size]
        self.left -= size
        return size


def test_stream_encryptor_keeps_memory_flat(keypair: KeyPair) -> None:
    total = 64 * MIB
    sink = HashingSink()
    tracemalloc.start()
    try:
        encryptor = StreamEncryptor(sink, [keypair.recipient])
        for chunk in chunks_of(total, MIB):
            encryptor.write(chunk)
        assert encryptor.close() == total
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sink.size > total
    assert peak < 12 * MIB  # a handful of chunks, not the 64 MiB stream


def test_iter_decrypted_keeps_memory_flat(keypair: KeyPair, tmp_path: Path) -> None:
    # Given a 64 MiB ciphertext on disk
    total = 64 * MIB
    sealed_path = tmp_path / "big.age"
    with open(sealed_path, "wb") as sealed:
        encrypt_stream(ChunkReader(total), sealed, [keypair.recipient])
    # When it is streamed out
    received = 0
    tracemalloc.start()
    try:
        with open(sealed_path, "rb") as sealed:
            for chunk in iter_decrypted(sealed, [keypair.identity]):
                received += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Then all of it arrived while memory held only a few chunks
    assert received == total
    assert peak < 12 * MIB
