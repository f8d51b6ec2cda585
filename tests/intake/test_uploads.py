"""The encrypting upload handler enforces limits on the stream and never keeps plaintext.

Property tests drive the real handler with arbitrary file sizes and chunkings (as Django's
multipart parser would) against a real blob store and real age encryption.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files.uploadhandler import StopFutureHandlers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clarion import vault
from clarion.web.uploads import EncryptingUploadHandler, UploadLimits

KEYS = vault.generate_keypair()


def feed(handler: EncryptingUploadHandler, files: list[tuple[str, bytes]], chunk: int, content_length: int = 0):
    handler.handle_raw_input(None, {}, content_length, b"boundary")
    results = []
    for name, content in files:
        try:
            handler.new_file("attachments", name, "application/octet-stream", content_length)
        except StopFutureHandlers:
            pass
        for start in range(0, len(content), chunk):
            assert handler.receive_data_chunk(content[start : start + chunk], start) is None
        results.append(handler.file_complete(len(content)))
    return results


sizes = st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    file_sizes=sizes,
    chunk=st.integers(min_value=1, max_value=1500),
    max_files=st.integers(min_value=1, max_value=5),
    max_file=st.integers(min_value=1, max_value=3000),
    max_total=st.integers(min_value=1, max_value=8000),
)
def test_handler_accepts_exactly_what_fits_the_limits(file_sizes, chunk, max_files, max_file, max_total):
    limits = UploadLimits(max_files=max_files, max_file_bytes=max_file, max_submission_bytes=max_total)
    with tempfile.TemporaryDirectory() as root:
        store = vault.BlobStore(Path(root) / "blobs")
        handler = EncryptingUploadHandler(store=store, recipients=[KEYS.recipient], limits=limits)
        files = [(f"f{i}.bin", bytes([i % 256]) * size) for i, size in enumerate(file_sizes)]

        results = feed(handler, files, chunk)

        report = handler.report
        fits = len(files) <= max_files and all(size <= max_file for size in file_sizes) and sum(file_sizes) <= max_total
        assert (report.errors(limits) == []) == fits
        for (_name, content), result in zip(files, results, strict=True):
            if result is None:
                continue
            with store.open(result.blob) as blob:
                assert vault.decrypt(blob.read(), [KEYS.identity]) == content
            assert result.size == len(content)
        report.discard(store)
        assert list(store.names()) == []
        assert not any(p.name.endswith(".part") for p in (Path(root) / "blobs").rglob("*"))


def test_declared_content_length_over_the_limit_refuses_before_encrypting(tmp_path):
    limits = UploadLimits(max_files=10, max_file_bytes=10**9, max_submission_bytes=1000)
    store = vault.BlobStore(tmp_path / "blobs")
    handler = EncryptingUploadHandler(store=store, recipients=[KEYS.recipient], limits=limits)

    feed(handler, [("big.iso", b"x" * 10)], chunk=4, content_length=50 * 1024 * 1024)

    assert handler.report.over_total and not handler.report.accepted
    assert list(store.names()) == []


def test_interrupted_upload_leaves_nothing(tmp_path):
    limits = UploadLimits(max_files=10, max_file_bytes=10**6, max_submission_bytes=10**6)
    store = vault.BlobStore(tmp_path / "blobs")
    handler = EncryptingUploadHandler(store=store, recipients=[KEYS.recipient], limits=limits)
    feed(handler, [("done.txt", b"complete")], chunk=3)
    try:
        handler.new_file("attachments", "half.txt", "text/plain", 0)
    except StopFutureHandlers:
        pass
    handler.receive_data_chunk(b"half of it", 0)

    handler.upload_interrupted()

    assert list(store.names()) == []
    assert list((tmp_path / "blobs").rglob("*.part")) == []
