"""Keep encrypted blobs (file contents) in a local folder, written atomically and durably.

Threats countered here:

- *Path tricks.* A blob name is exactly what `open_writer` generates (32 lowercase hex
  characters); anything else is refused, so no name can reach outside the store. Every
  open uses O_NOFOLLOW and checks for a regular file, so a symlink planted in the store
  (by a compromised process, a bad backup restore) is refused rather than followed.
- *Half-written files.* A blob is written under "<name>.part" and renamed into place
  only after fsync of the file and then of the folder, so a crash never leaves a
  committed blob that is incomplete (docs/design.md, property 6), and a source sees a receipt
  only after the rename is durable. Orphaned parts are removed by `sweep`.
- *Forensic recovery after deletion.* `delete` overwrites the whole file with zeros and
  fsyncs before unlinking, so the ciphertext of a destroyed tip is not left in free
  blocks. On copy-on-write filesystems and SSDs the old blocks may survive anyway; the
  ciphertext is then still useless without the keys, whose wraps are deleted too.
- *Other local users.* The folder is created 0700 and files 0600.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Container, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self, cast

from clarion.vault.errors import BlobPathError, VaultError
from clarion.vault.streaming import StreamEncryptor
from clarion.vault.types import AgeRecipientStr, BlobName

__all__ = ["BlobStore", "BlobWriter", "EncryptingBlobWriter"]

_NAME = re.compile(r"[0-9a-f]{32}")
_PART_SUFFIX = ".part"
_PART_NAME = re.compile(r"([0-9a-f]{32})\.part")
_WIPE_BLOCK = 1 << 20
_ZEROS = bytes(_WIPE_BLOCK)
#: Large blobs are synced to disk as they are written, every SYNC_INTERVAL seconds.
SYNC_FROM_BYTES = 4 << 20
SYNC_INTERVAL = 0.03
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = os.O_NOFOLLOW


def _validate_name(name: object) -> BlobName:
    """Return `name` if it is exactly a name this store generates; else raise."""
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        # Refuse rather than sanitise: "../", absolute paths, NUL bytes, look-alike
        # Unicode digits and any other surprise never reach the filesystem.
        raise BlobPathError("Not a valid blob name.")
    return BlobName(name)


def _fsync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wipe_fd(fd: int) -> None:
    """Overwrite a whole open file with zeros and force it to disk."""
    remaining = os.fstat(fd).st_size
    offset = 0
    while remaining > 0:
        written = os.pwrite(fd, _ZEROS[: min(remaining, _WIPE_BLOCK)], offset)
        offset += written
        remaining -= written
    os.fsync(fd)


class BlobStore:
    """Store blobs as files in one folder, by random name."""

    def __init__(self, root: Path) -> None:
        """Use `root` as the store, creating it (and its parents) with mode 0700 if missing."""
        root = Path(root)
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The root itself may be a symlink an operator set up (say, to a mounted volume);
        # resolving it once pins the store, and no link below it is ever followed.
        self._root = root.resolve(strict=True)
        if not self._root.is_dir():
            raise BlobPathError("The blob store root is not a folder.")

    @property
    def root(self) -> Path:
        """Return the resolved folder of the store."""
        return self._root

    def path(self, name: BlobName) -> Path:
        """Return the path of blob `name`, which need not exist yet.

        Raise `BlobPathError` for a name this store would not generate, for a symlink or
        other non-regular file in its place, or for a path resolving outside the root.
        """
        path = self._root / _validate_name(name)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(mode):
                raise BlobPathError("A blob is not a regular file (symlink?).")
        # Defence in depth: with a hex-only name this holds by construction.
        if Path(os.path.realpath(path)).parent != self._root:
            raise BlobPathError("A blob path leads outside the store.")
        return path

    def open_writer(self) -> BlobWriter:
        """Start a new blob under a fresh random name; commit it to make it visible."""
        return BlobWriter(self)

    def open_encrypting_writer(self, recipients: Sequence[AgeRecipientStr]) -> EncryptingBlobWriter:
        """Start a new blob that receives plaintext and stores it age-encrypted."""
        return EncryptingBlobWriter(self, recipients)

    def open(self, name: BlobName) -> BinaryIO:
        """Open blob `name` for binary reading; raise `BlobPathError` if invalid or missing."""
        path = self.path(name)
        try:
            # O_NONBLOCK: a FIFO planted under a blob name must not hang the worker.
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            raise BlobPathError("No such blob.") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise BlobPathError("A blob is not a regular file (symlink?).") from None
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise BlobPathError("A blob is not a regular file.")
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def exists(self, name: BlobName) -> bool:
        """Return whether committed blob `name` exists; raise `BlobPathError` if invalid."""
        try:
            return stat.S_ISREG(os.lstat(self.path(name)).st_mode)
        except FileNotFoundError:
            return False

    def size(self, name: BlobName) -> int:
        """Return the size in bytes of blob `name`; raise `BlobPathError` if invalid or missing."""
        try:
            return os.lstat(self.path(name)).st_size
        except FileNotFoundError:
            raise BlobPathError("No such blob.") from None

    def delete(self, name: BlobName) -> None:
        """Overwrite blob `name` with zeros, fsync, then unlink it; a missing blob is fine."""
        self._wipe_and_unlink(self.path(name))

    def names(self) -> Iterator[BlobName]:
        """Yield the names of committed blobs (not temporaries, links or foreign files)."""
        with os.scandir(self._root) as entries:
            for entry in entries:
                if _NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    yield BlobName(entry.name)

    def sweep(
        self,
        *,
        keep: Container[str],
        older_than_seconds: float,
        now: float | None = None,
    ) -> list[str]:
        """Delete orphans older than `older_than_seconds`; return the file names removed.

        Orphans are committed blobs not in `keep` (a crash between storing a file and
        committing its tip) and leftover ".part" temporaries (a crash mid-upload). Fresh
        files are spared, since they may belong to a submission still in progress. Links
        and foreign files are never touched.
        """
        cutoff = (time.time() if now is None else now) - older_than_seconds
        removed: list[str] = []
        with os.scandir(self._root) as entries:
            candidates = [
                entry
                for entry in entries
                if (_NAME.fullmatch(entry.name) and entry.name not in keep) or _PART_NAME.fullmatch(entry.name)
            ]
        for entry in candidates:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                self._wipe_and_unlink(self._root / entry.name)
                removed.append(entry.name)
        return removed

    def _wipe_and_unlink(self, path: Path) -> None:
        """Overwrite a regular file in the store with zeros, fsync, unlink, fsync the folder."""
        try:
            fd = os.open(path, os.O_WRONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise BlobPathError("A blob is not a regular file (symlink?).") from None
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise BlobPathError("A blob is not a regular file.")
            _wipe_fd(fd)
        finally:
            os.close(fd)
        try:
            os.unlink(path)
        except FileNotFoundError:
            return
        _fsync_dir(self._root)


class _AbortsUnlessCommitted:
    """A writer used in `with`: leaving the block without `commit()` aborts it (nothing half-written stays)."""

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()


class BlobWriter(_AbortsUnlessCommitted):
    """Write one new blob under a temporary name; `commit` makes it visible and durable.

    As a context manager, an exception in the block aborts; leaving the block without
    calling `commit` aborts too, so nothing is kept that was not explicitly committed.
    """

    name: BlobName

    def __init__(self, store: BlobStore) -> None:
        """Create the temporary file of a new, randomly named blob in `store`."""
        self._store = store
        self.name = BlobName(secrets.token_hex(16))
        self._part = store.root / (self.name + _PART_SUFFIX)
        # O_EXCL + O_NOFOLLOW: never write through a file or link someone planted.
        fd = os.open(
            self._part,
            os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NOFOLLOW | _CLOEXEC,
            0o600,
        )
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self._state = "open"

    def write(self, data: bytes) -> int:
        """Append `data` to the blob; return the number of bytes written."""
        if self._file is None:
            raise VaultError(f"This blob writer is {self._state}.")
        return self._file.write(data)

    def fileno(self) -> int:
        """Return the temporary file's descriptor."""
        if self._file is None:
            raise VaultError(f"This blob writer is {self._state}.")
        return self._file.fileno()

    def flush(self) -> None:
        """Flush buffered bytes to the operating system (not yet durable)."""
        if self._file is not None:
            self._file.flush()

    def commit(self) -> BlobName:
        """Make the blob durable under its final name, then return that name."""
        if self._file is None:
            raise VaultError(f"This blob writer is {self._state}.")
        final = self._store.root / self.name
        renamed = False
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            os.replace(self._part, final)
            renamed = True
            _fsync_dir(self._store.root)
        except BaseException:
            self.abort()
            if renamed:
                # The caller is told the commit failed, so the blob must not survive it.
                self._store._wipe_and_unlink(final)
            raise
        self._state = "committed"
        return self.name

    def abort(self) -> None:
        """Discard the blob: overwrite the temporary file with zeros and unlink it."""
        if self._state != "open":
            return
        self._state = "aborted"
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass  # a failed flush must not keep the partial file from being wiped
            self._file = None
        self._store._wipe_and_unlink(self._part)


class _SyncAsYouGo:
    """Push a file's written data to disk every `interval` seconds from a background thread.

    Without it the kernel keeps a large upload in memory until the commit's fsync, which
    then writes the whole file while the source waits (2 s per GiB measured here). Syncing
    as the data arrives overlaps that disk work with receiving and encrypting; the
    commit's fsync stays the durability guarantee. `fdatasync` releases the GIL.
    """

    def __init__(self, fd: int, interval: float) -> None:
        self._fd = fd
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clarion-vault-sync", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                os.fdatasync(self._fd)
            except OSError:
                return  # the commit's fsync reports real trouble; this is only a head start

    def stop(self) -> None:
        """Stop syncing; return once the thread no longer touches the descriptor."""
        self._stop.set()
        self._thread.join()


class EncryptingBlobWriter(_AbortsUnlessCommitted):
    """Take plaintext chunks and store them age-encrypted as one new blob.

    As a context manager, leaving the block without `commit` (or by an exception) aborts.
    """

    name: BlobName

    def __init__(self, store: BlobStore, recipients: Sequence[AgeRecipientStr]) -> None:
        """Start a new blob in `store` encrypted to `recipients`."""
        self._blob = BlobWriter(store)
        self.name = self._blob.name
        try:
            self._encryptor = StreamEncryptor(cast(BinaryIO, self._blob), recipients)
        except BaseException:
            self._blob.abort()
            raise
        self._written = 0
        self._syncer: _SyncAsYouGo | None = None

    def write(self, chunk: bytes) -> None:
        """Encrypt and append a chunk of plaintext."""
        try:
            self._encryptor.write(chunk)
        except BaseException:
            self.abort()
            raise
        self._written += len(chunk)
        if self._syncer is None and self._written >= SYNC_FROM_BYTES:
            self._syncer = _SyncAsYouGo(self._blob.fileno(), SYNC_INTERVAL)

    def commit(self) -> tuple[BlobName, int]:
        """Finish the age stream and commit the blob durably; return (name, plaintext size)."""
        try:
            size = self._encryptor.close()
        except BaseException:
            self.abort()
            raise
        self._stop_syncing()
        return self._blob.commit(), size

    def abort(self) -> None:
        """Stop encrypting and discard the blob."""
        self._encryptor.abort()
        self._stop_syncing()
        self._blob.abort()

    def _stop_syncing(self) -> None:
        if self._syncer is not None:
            self._syncer.stop()
            self._syncer = None
