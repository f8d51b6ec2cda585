"""Test the blob store: confined paths, atomic writes, overwriting deletes, sweeping."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clarion.vault import (
    BlobName,
    BlobPathError,
    BlobStore,
    KeyPair,
    VaultError,
    decrypt,
    iter_decrypted,
)
from clarion.vault.blobstore import SYNC_FROM_BYTES

CANARY = b"CANARY-7d1f0c-the-union-rep-saw-it"


def committed(store: BlobStore, data: bytes) -> BlobName:
    """Write and commit a plain blob holding `data`."""
    with store.open_writer() as writer:
        writer.write(data)
        return writer.commit()


def files_in(store: BlobStore) -> list[str]:
    """Return every file name in the store's folder."""
    return sorted(os.listdir(store.root))


def set_age(path: Path, seconds: float, now: float) -> None:
    """Backdate a file's modification time to `seconds` before `now`."""
    os.utime(path, (now - seconds, now - seconds), follow_symlinks=False)


def test_the_store_folder_is_created_private_with_its_parents(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "data" / "blobs")
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o700


def test_a_committed_blob_can_be_read_back(store: BlobStore) -> None:
    name = committed(store, b"contents")
    assert store.exists(name)
    assert store.size(name) == len(b"contents")
    assert list(store.names()) == [name]
    with store.open(name) as blob:
        assert blob.read() == b"contents"
    assert stat.S_IMODE(os.stat(store.path(name)).st_mode) == 0o600


def test_a_blob_is_invisible_until_committed(store: BlobStore) -> None:
    with store.open_writer() as writer:
        writer.write(b"half")
        # While writing, only the temporary exists
        assert list(store.names()) == []
        assert not store.exists(writer.name)
        assert files_in(store) == [writer.name + ".part"]
        writer.commit()
    assert files_in(store) == [writer.name]


def test_an_aborted_writer_leaves_nothing(store: BlobStore) -> None:
    writer = store.open_writer()
    writer.write(b"half a file")
    writer.abort()
    assert files_in(store) == []
    with pytest.raises(VaultError):
        writer.write(b"more")
    with pytest.raises(VaultError):
        writer.commit()


def test_an_exception_in_the_block_aborts_the_writer(store: BlobStore) -> None:
    with pytest.raises(RuntimeError), store.open_writer() as writer:
        writer.write(b"half a file")
        raise RuntimeError("upload interrupted")
    assert files_in(store) == []


def test_leaving_the_block_without_commit_keeps_nothing(store: BlobStore) -> None:
    with store.open_writer() as writer:
        writer.write(b"never committed")
    assert files_in(store) == []


def test_a_crashed_writer_leaves_only_a_part_file_which_sweep_removes(store: BlobStore) -> None:
    # Given a process that dies mid-write (no abort, no cleanup)
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from clarion.vault import BlobStore\n"
        "writer = BlobStore(Path(sys.argv[1])).open_writer()\n"
        "writer.write(b'x' * 100000)\n"
        "writer.flush()\n"
        "os._exit(1)\n"
    )
    repo = Path(sys.modules["clarion.vault"].__file__ or "").resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script, no shell
        [sys.executable, "-c", script, str(store.root)], env=env, check=False
    )
    assert result.returncode == 1
    # Then no committed blob exists, only the temporary
    assert list(store.names()) == []
    [leftover] = files_in(store)
    assert leftover.endswith(".part")
    # And a sweep after the grace period removes it
    now = time.time()
    set_age(store.root / leftover, 7200, now)
    assert store.sweep(keep=set(), older_than_seconds=3600, now=now) == [leftover]
    assert files_in(store) == []


def test_an_encrypting_writer_stores_only_ciphertext(store: BlobStore, keypair: KeyPair) -> None:
    plaintext = CANARY * 50_000  # about 1.7 MB, several age chunks
    with store.open_encrypting_writer([keypair.recipient]) as writer:
        for start in range(0, len(plaintext), 100_000):
            writer.write(plaintext[start : start + 100_000])
        name, size = writer.commit()
    assert name == writer.name
    assert size == len(plaintext)
    assert store.size(name) > size
    # No plaintext at rest (docs/design.md, property 1)
    for file_name in files_in(store):
        assert CANARY not in (store.root / file_name).read_bytes()
    with store.open(name) as blob:
        assert decrypt(blob.read(), [keypair.identity]) == plaintext
    with store.open(name) as blob:
        assert b"".join(iter_decrypted(blob, [keypair.identity])) == plaintext


@pytest.mark.parametrize("outcome", ["commit", "abort"])
def test_a_large_blob_is_synced_as_it_is_written_and_the_syncing_stops_with_the_writer(
    store: BlobStore, keypair: KeyPair, outcome: str
) -> None:
    plaintext = os.urandom(SYNC_FROM_BYTES + (1 << 20))
    writer = store.open_encrypting_writer([keypair.recipient])
    for start in range(0, len(plaintext), 1 << 20):
        writer.write(plaintext[start : start + (1 << 20)])
    assert any(thread.name == "clarion-vault-sync" for thread in threading.enumerate())

    if outcome == "commit":
        name, _ = writer.commit()
        with store.open(name) as blob:
            assert decrypt(blob.read(), [keypair.identity]) == plaintext
    else:
        writer.abort()
        assert files_in(store) == []
    assert not any(thread.name == "clarion-vault-sync" for thread in threading.enumerate())


def test_an_aborted_encrypting_writer_leaves_nothing(store: BlobStore, keypair: KeyPair) -> None:
    with pytest.raises(RuntimeError), store.open_encrypting_writer([keypair.recipient]) as writer:
        writer.write(CANARY * 10_000)
        raise RuntimeError("client went away")
    assert files_in(store) == []


def test_an_encrypting_writer_refuses_bad_recipients_and_leaves_nothing(
    store: BlobStore,
) -> None:
    with pytest.raises(ValueError):
        store.open_encrypting_writer([])
    assert files_in(store) == []


def test_delete_overwrites_the_content_before_unlinking(store: BlobStore) -> None:
    # Given a blob, a hard link to its inode and an open handle on it
    content = b"ciphertext that must not survive" * 40_000
    name = committed(store, content)
    witness = store.root.parent / "witness"
    os.link(store.path(name), witness)
    with open(store.path(name), "rb") as handle:
        # When it is deleted
        store.delete(name)
        # Then the inode held only zeros before it was unlinked
        handle.seek(0)
        assert handle.read() == bytes(len(content))
    assert witness.read_bytes() == bytes(len(content))
    assert not store.exists(name)
    assert files_in(store) == []


def test_deleting_a_missing_blob_is_not_an_error(store: BlobStore) -> None:
    store.delete(BlobName("0" * 32))


def test_a_missing_blob_cannot_be_opened_or_sized(store: BlobStore) -> None:
    missing = BlobName("a" * 32)
    assert not store.exists(missing)
    with pytest.raises(BlobPathError):
        store.open(missing)
    with pytest.raises(BlobPathError):
        store.size(missing)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../" + "a" * 29,
        "../../etc/passwd",
        "/etc/passwd",
        "a" * 31,
        "a" * 33,
        "A" * 32,
        "a" * 31 + "\0",
        "a" * 32 + ".part",
        "a" * 16 + "/" + "a" * 15,
        "٣" * 32,  # Arabic-Indic digits match \d, and nothing here may be looser than hex
        "ａ" * 32,  # full-width letters
        "a" * 32 + "\n",
        None,
        b"a" * 32,
    ],
)
def test_names_the_store_did_not_generate_are_refused(store: BlobStore, name: object) -> None:
    for operation in (store.path, store.open, store.exists, store.size, store.delete):
        with pytest.raises(BlobPathError):
            operation(name)  # type: ignore[operator]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> BlobStore:
    """Return one store for property tests that only read."""
    return BlobStore(tmp_path_factory.mktemp("shared") / "blobs")


@given(name=st.text() | st.from_regex(r"[0-9a-f./\\\x00]{1,40}", fullmatch=True))
def test_no_name_yields_a_path_outside_the_store(shared_store: BlobStore, name: str) -> None:
    try:
        path = shared_store.path(BlobName(name))
    except BlobPathError:
        return
    assert path.parent == shared_store.root
    assert Path(os.path.realpath(path)).parent == shared_store.root


def plant_symlink(store: BlobStore, name: str, target: Path) -> Path:
    """Put a symlink into the store, as a compromised process or a bad restore might."""
    link = store.root / name
    link.symlink_to(target)
    return link


def test_a_symlink_planted_under_a_blob_name_is_refused(store: BlobStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not yours")
    name = BlobName("b" * 32)
    plant_symlink(store, name, outside)
    for operation in (store.path, store.open, store.exists, store.size, store.delete):
        with pytest.raises(BlobPathError):
            operation(name)
    assert list(store.names()) == []
    assert outside.read_bytes() == b"not yours"


def test_a_symlink_to_a_folder_is_refused(store: BlobStore, tmp_path: Path) -> None:
    name = BlobName("c" * 32)
    plant_symlink(store, name, tmp_path)
    with pytest.raises(BlobPathError):
        store.open(name)


def test_sweep_never_follows_or_removes_symlinks(store: BlobStore, tmp_path: Path) -> None:
    # Given old links planted under a blob name and a temporary name
    now = time.time()
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not yours")
    for name in ("d" * 32, "e" * 32 + ".part"):
        set_age(plant_symlink(store, name, outside), 7200, now)
    # When the store is swept
    removed = store.sweep(keep=set(), older_than_seconds=3600, now=now)
    # Then neither link nor target was touched
    assert removed == []
    assert outside.read_bytes() == b"not yours"
    assert len(files_in(store)) == 2


def test_a_store_whose_root_is_a_symlink_works(tmp_path: Path) -> None:
    # An operator may point the data folder at a mounted volume.
    real = tmp_path / "volume"
    real.mkdir()
    (tmp_path / "data").symlink_to(real)
    store = BlobStore(tmp_path / "data")
    name = committed(store, b"x")
    assert (real / name).exists()


def test_sweep_removes_only_old_orphans(store: BlobStore) -> None:
    # Given blobs and temporaries of various ages, some referenced by a tip
    now = time.time()
    old_kept = committed(store, b"referenced by a tip")
    old_orphan = committed(store, b"tip never committed")
    fresh_orphan = committed(store, b"submission in progress")
    old_part = store.open_writer()
    old_part.write(b"crashed upload")
    old_part.flush()
    fresh_part = store.open_writer()
    foreign = store.root / "README.txt"
    foreign.write_text("an operator's note")
    for name in (old_kept, old_orphan):
        set_age(store.path(name), 7200, now)
    set_age(store.root / (old_part.name + ".part"), 7200, now)
    set_age(foreign, 7200, now)
    # When the store is swept with a one-hour grace period
    removed = store.sweep(keep={old_kept}, older_than_seconds=3600, now=now)
    # Then only the old orphans are gone
    assert sorted(removed) == sorted([old_orphan, old_part.name + ".part"])
    assert sorted(store.names()) == sorted([old_kept, fresh_orphan])
    assert foreign.exists()
    assert (store.root / (fresh_part.name + ".part")).exists()
    fresh_part.abort()
    old_part.abort()  # its file is already gone: aborting is still safe


def test_sweep_uses_the_real_clock_by_default(store: BlobStore) -> None:
    name = committed(store, b"x")
    assert store.sweep(keep=set(), older_than_seconds=3600) == []
    set_age(store.path(name), 7200, time.time())
    assert store.sweep(keep=set(), older_than_seconds=3600) == [name]


def test_names_are_random_and_unique(store: BlobStore) -> None:
    names = {committed(store, b"") for _ in range(50)}
    assert len(names) == 50
    assert set(store.names()) == names
