"""Back up a whole Clarion site into one age-encrypted file, and bring it back into an empty one.

A backup is a tar stream, encrypted with age (the vault's streaming encryptor) as it is written:
the database (SQLite's online backup of the live WAL database, or `pg_dump`), the data folder's
keys, the encrypted blobs and the media, then `MANIFEST.json` with the SHA-256 of every member.
An operator holding the offline key opens it anywhere with `age -d -i key.txt FILE | tar x`.

Threats, and what answers them:
- a stolen backup: encrypted to a key whose private half never touches the server; no byte of
  it is plaintext, and tip content inside was encrypted already;
- a damaged or altered backup: age authenticates every 64 KiB chunk and the manifest names
  every member with its hash; restore stages everything and checks all of it before anything
  becomes final, so a bad file never leaves a half-restored site behind;
- a crafted backup (the recipient is public, so anyone could encrypt one): member names are
  checked against the few shapes a backup has (no `..`, no links, no absolute paths) before a
  byte is written, and only into a folder that is empty;
- a backup that no longer restores: the restore test (tests/accounts/test_backup_live.py) backs
  up a running server with a submission in flight and restores it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

from clarion import config, vault
from clarion.accounts.models import Organisation
from clarion.audit.log import record

FORMAT = "clarion-backup-1"
MANIFEST = "MANIFEST.json"
SQLITE_MEMBER = "database/clarion.sqlite3"
PG_MEMBER = "database/clarion.pgdump"
LAST_BACKUP = "last-backup.json"
#: Tar members are copied in pieces of this size (the encryptor gathers small writes anyway).
COPY_BYTES = 1 << 20
#: A manifest larger than this is not one Clarion wrote (a million members is ~120 MB).
MANIFEST_MAX_BYTES = 256 << 20

# The only member names a backup holds: anything else is refused before a byte is written.
_SAFE_PART = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}"
_MEMBER = re.compile(
    rf"(?:database/clarion\.(?:sqlite3|pgdump)|keys/{_SAFE_PART}|blobs/[0-9a-f]{{32}}|media/(?:{_SAFE_PART}/)*{_SAFE_PART})"
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in words for the operator."""


@dataclass(frozen=True)
class Member:
    """One file of the backup: its name inside, where it is read from now."""

    name: str
    path: Path


@dataclass(frozen=True)
class BackupResult:
    file: Path
    sha256: str
    size: int
    members: int
    finished_at: datetime


@dataclass(frozen=True)
class RestoreResult:
    members: int
    database: str
    pending_migrations: bool


class Progress:
    """Draw a one-line progress bar on a terminal; do nothing anywhere else (logs, pipes)."""

    WIDTH = 30

    def __init__(self, label: str, total: int, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self._drawn_at = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and now - self._drawn_at >= 0.1:
            self._drawn_at = now
            self._draw()

    def finish(self) -> None:
        if self.enabled:
            self.done = max(self.done, self.total)
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self) -> None:
        share = min(self.done / self.total, 1.0)
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {share:4.0%} {self.done / 1e6:,.1f} / {self.total / 1e6:,.1f} MB")
        self.stream.flush()


class _HashingWriter:
    """Write to a file while hashing and counting what passes (the backup file's own SHA-256)."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.inner.write(data)

    def flush(self) -> None:
        self.inner.flush()


class _HashingReader:
    """Read a member's file for tarfile while hashing what it reads and moving the progress bar."""

    def __init__(self, inner: BinaryIO, progress: Progress) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.digest.update(data)
        self.progress.advance(len(data))
        return data


class _EncryptorFile:
    """Give the vault's push-style encryptor the `write` tarfile expects."""

    def __init__(self, encryptor: vault.StreamEncryptor) -> None:
        self.encryptor = encryptor

    def write(self, data: bytes) -> int:
        self.encryptor.write(bytes(data))
        return len(data)


class _ChunksReader(io.RawIOBase):
    """Turn the vault's decrypted chunks into a file tarfile can read, in constant memory."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            try:
                self.pending = next(self.chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


class _CountingReader:
    """Read the encrypted backup file, moving the progress bar by its bytes."""

    def __init__(self, inner: BinaryIO, progress: Progress) -> None:
        self.inner = inner
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.progress.advance(len(data))
        return data


# --- backing up ---------------------------------------------------------------------------------


def backup_recipients(given: list[str]) -> list[vault.AgeRecipientStr]:
    """Return the age recipients to encrypt to: those given, else the organisation's offline key."""
    recipients = [key.strip() for key in given if key.strip()]
    if not recipients:
        offline = Organisation.current().offline_public_key
        if not offline:
            raise BackupError(
                _(
                    "No key to encrypt the backup to: register the organisation's offline key "
                    "(an age public key, age1…) in the admin, or pass --recipient age1…."
                )
            )
        recipients = [offline]
    for key in recipients:
        if key.lower().startswith("age-secret-key-"):
            # Not echoed: it would end up in a terminal's scrollback or a log.
            raise BackupError(_("That is a private key: give the public key (age1…) and keep the private one offline."))
        if not vault.is_valid_recipient(key):
            raise BackupError(_("Not an age public key: %(key)s (it starts with age1).") % {"key": key})
    return [vault.AgeRecipientStr(key) for key in recipients]


def _database_vendor() -> str:
    return connections[DEFAULT_DB_ALIAS].vendor


def _pg_environment() -> dict[str, str]:
    """Return libpq's variables for the site's database: no password in a command line `ps` shows."""
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    env = {**os.environ}
    names = {"NAME": "PGDATABASE", "USER": "PGUSER", "PASSWORD": "PGPASSWORD", "HOST": "PGHOST", "PORT": "PGPORT"}
    for key, variable in names.items():
        if db.get(key):
            env[variable] = str(db[key])
    for option, variable in {
        "sslmode": "PGSSLMODE",
        "sslrootcert": "PGSSLROOTCERT",
        "sslcert": "PGSSLCERT",
        "sslkey": "PGSSLKEY",
    }.items():
        if db.get("OPTIONS", {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return env


def _run_tool(args: list[str]) -> None:
    """Run pg_dump or pg_restore; raise BackupError with what it said when it fails."""
    if shutil.which(args[0]) is None:
        raise BackupError(
            _("%(tool)s is not installed: install postgresql-client (apt install postgresql-client).")
            % {"tool": args[0]}
        )
    result = subprocess.run(args, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(_("%(tool)s failed: %(error)s") % {"tool": args[0], "error": result.stderr.strip()})


def _copy_database(work: Path) -> Member:
    """Copy the database consistently into `work`, while the site keeps running."""
    if _database_vendor() == "postgresql":
        target = work / "clarion.pgdump"
        # pg_dump reads one snapshot in one transaction: consistent while tips keep arriving.
        _run_tool(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"])
        return Member(PG_MEMBER, target)
    target = work / "clarion.sqlite3"
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        # SQLite's backup waits forever for a write transaction of its own connection to end.
        raise BackupError(_("A backup cannot run inside a database transaction."))
    connection.ensure_connection()
    # SQLite's online backup copies the pages of one read snapshot, WAL included; in WAL mode the
    # server's writers carry on meanwhile. Copying the file with cp could catch it mid-write.
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    copy.close()
    return Member(SQLITE_MEMBER, target)


def _files_under(folder: Path, prefix: str) -> Iterator[Member]:
    """Yield the regular files below `folder`, skipping half-written `.part` files and links."""
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if name.endswith(".part") or not path.is_file() or path.is_symlink():
                continue
            yield Member(f"{prefix}/{path.relative_to(folder).as_posix()}", path)


def _members(database: Member) -> list[Member]:
    """List what goes into the backup: the database copy first, so that every blob it names follows."""
    members = [database]
    members += _files_under(Path(settings.DATA_DIR) / "keys", "keys")
    store = vault.BlobStore(Path(settings.CLARION_BLOB_DIR))
    members += [Member(f"blobs/{name}", store.path(name)) for name in sorted(store.names())]
    members += _files_under(Path(settings.CLARION_MEDIA_DIR), "media")
    return [member for member in members if _MEMBER.fullmatch(member.name)]


def _add_file(tar: tarfile.TarFile, member: Member, progress: Progress) -> dict[str, Any] | None:
    """Add one file to the tar stream; return its manifest entry, or None if it vanished meanwhile."""
    try:
        handle = open(member.path, "rb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        # A blob wiped since the listing belongs to a tip destroyed after the database copy.
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(member.name)
        info.size = stat.st_size
        info.mode = 0o600
        info.mtime = int(stat.st_mtime)
        reader = _HashingReader(handle, progress)  # type: ignore[arg-type]
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return {"name": member.name, "size": info.size, "sha256": reader.digest.hexdigest()}


def write_backup(
    output: Path, recipients: list[vault.AgeRecipientStr], *, stderr: IO[str] | None = None
) -> BackupResult:
    """Write the whole site into `output`, encrypted to `recipients`; return what was written.

    Written to a temporary file beside `output` (mode 0600) and renamed only when complete, so a
    crash or a full disk never leaves a truncated file that looks like a backup.
    """
    output = output.expanduser().resolve()
    if output.is_dir():
        raise BackupError(_("%(path)s is a folder: give the backup file's name.") % {"path": output})
    if not output.parent.is_dir():
        raise BackupError(_("The folder %(path)s does not exist.") % {"path": output.parent})
    data_dir = Path(settings.DATA_DIR)
    work = data_dir / f".backup-{secrets.token_hex(8)}"
    # The database copy waits in the data folder, beside the database it copies and as well
    # protected (mode 0700), never in a shared /tmp.
    work.mkdir(mode=0o700)
    partial = output.with_name(f".{output.name}.{secrets.token_hex(6)}.part")
    try:
        database = _copy_database(work)
        members = _members(database)
        total = sum(_size(member.path) for member in members)
        progress = Progress(_("Backing up"), total, stderr)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            sink = _HashingWriter(out)
            encryptor = vault.StreamEncryptor(sink, recipients)  # type: ignore[arg-type]
            try:
                entries = _write_tar(_EncryptorFile(encryptor), members, progress)
                encryptor.close()
            except BaseException:
                encryptor.abort()
                raise
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)
        _fsync_dir(output.parent)
        progress.finish()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(
        file=output,
        sha256=sink.digest.hexdigest(),
        size=sink.size,
        members=len(entries),
        finished_at=timezone.now(),
    )


def _write_tar(sink: _EncryptorFile, members: list[Member], progress: Progress) -> list[dict[str, Any]]:
    """Stream the members then the manifest as one tar; return the manifest's entries."""
    tar = tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT)  # type: ignore[call-overload]
    tar.copybufsize = COPY_BYTES
    entries = [entry for member in members if (entry := _add_file(tar, member, progress)) is not None]
    manifest = json.dumps(
        {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": _database_vendor(),
            "members": entries,
        },
        indent=1,
    ).encode()
    info = tarfile.TarInfo(MANIFEST)
    info.size = len(manifest)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(manifest))
    tar.close()
    return entries


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_last_backup(result: BackupResult) -> None:
    """Note the last backup in the data folder, for `doctor` to report its age."""
    target = Path(settings.DATA_DIR) / LAST_BACKUP
    partial = target.with_name(f".{LAST_BACKUP}.{secrets.token_hex(6)}.part")
    text = json.dumps(
        {
            "finished_at": result.finished_at.isoformat().replace("+00:00", "Z"),
            "file": str(result.file),
            "sha256": result.sha256,
        }
    )
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)


def do_back_up(*, output: Path, recipients: list[str], stderr: IO[str] | None = None) -> BackupResult:
    """Back up the site into `output`, note it for `doctor`, and record it in the audit log."""
    keys = backup_recipients(recipients)
    result = write_backup(output, keys, stderr=stderr)
    _write_last_backup(result)
    record(
        actor=None,
        action="backup.created",
        detail=f"{result.file.name}: {result.members} files, {result.size} bytes, sha256 {result.sha256}",
    )
    return result


# --- restoring ----------------------------------------------------------------------------------


def read_identities(path: Path) -> list[vault.AgeIdentityStr]:
    """Read the age secret keys of an identity file (as `age-keygen` writes it: comments allowed)."""
    try:
        text = path.read_text()
    except OSError as error:
        raise BackupError(
            _("Cannot read the identity file %(path)s: %(error)s") % {"path": path, "error": error}
        ) from None
    keys = [line.strip() for line in text.splitlines() if line.strip().upper().startswith("AGE-SECRET-KEY-")]
    if not keys:
        raise BackupError(_("No age secret key (AGE-SECRET-KEY-1…) in %(path)s.") % {"path": path})
    return [vault.AgeIdentityStr(key) for key in keys]


def _refuse_unless_empty() -> None:
    """Refuse a data folder or database that holds anything: a restore never mixes two sites."""
    data_dir = Path(settings.DATA_DIR)
    # Settings generated fresh secrets into the empty folder as this command started: not data.
    fresh = set(config.GENERATED_HERE)
    found = [
        path
        for path in data_dir.rglob("*")
        if not path.is_dir()
        and path not in fresh
        and not (path.parent == data_dir and path.name.startswith(".restore-"))
    ]
    if found:
        raise BackupError(
            _(
                "The data folder %(folder)s is not empty (it holds %(example)s and %(more)d more): restore only "
                "into an empty folder, so that nothing of another site is mixed in or overwritten."
            )
            % {"folder": data_dir, "example": found[0].relative_to(data_dir), "more": len(found) - 1}
        )
    if _database_vendor() == "postgresql":
        tables = connections[DEFAULT_DB_ALIAS].introspection.table_names()
        connections[DEFAULT_DB_ALIAS].close()
        if tables:
            raise BackupError(
                _(
                    "The database %(name)s already has %(count)d tables: restore only into an empty database "
                    "(create a new one and point DATABASE_URL at it)."
                )
                % {"name": connections[DEFAULT_DB_ALIAS].settings_dict["NAME"], "count": len(tables)}
            )


def _staged_path(staging: Path, name: str) -> Path:
    path = staging / name
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _extract(
    backup: BinaryIO, identities: list[vault.AgeIdentityStr], staging: Path
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Decrypt and unpack into `staging`; return the manifest and what each member really held."""
    try:
        chunks = vault.iter_decrypted(backup, identities)
        first = next(chunks, b"")
    except vault.DecryptionError:
        raise BackupError(
            _("This backup cannot be opened with that identity: wrong key, or not a Clarion backup.")
        ) from None
    stream = io.BufferedReader(_ChunksReader(_prepend(first, chunks)), buffer_size=COPY_BYTES)
    found: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for info in tar:
                if manifest is not None:
                    raise BackupError(_("This backup has files after its manifest: it was altered."))
                if not info.isreg():
                    raise BackupError(_("This backup holds something other than files: refused."))
                source = tar.extractfile(info)
                if source is None:  # never for a regular file; checked rather than assumed
                    raise BackupError(_("This backup holds something other than files: refused."))
                if info.name == MANIFEST:
                    if info.size > MANIFEST_MAX_BYTES:
                        raise BackupError(_("This backup's manifest is too large: it was not written by Clarion."))
                    manifest = json.loads(source.read())
                    continue
                if not _MEMBER.fullmatch(info.name) or info.name in found:
                    raise BackupError(_("This backup holds an unexpected file: refused."))
                digest = hashlib.sha256()
                target = _staged_path(staging, info.name)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as out:
                    while piece := source.read(COPY_BYTES):
                        digest.update(piece)
                        out.write(piece)
                    out.flush()
                    os.fsync(out.fileno())
                found[info.name] = {"size": info.size, "sha256": digest.hexdigest()}
    except vault.DecryptionError:
        raise BackupError(_("This backup is damaged or was altered: nothing was restored.")) from None
    except (tarfile.TarError, json.JSONDecodeError, UnicodeDecodeError):
        raise BackupError(_("This backup is damaged or not a Clarion backup: nothing was restored.")) from None
    if manifest is None or manifest.get("format") != FORMAT:
        raise BackupError(_("This backup has no manifest: it is incomplete or not a Clarion backup."))
    return manifest, found


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _check_manifest(manifest: dict[str, Any], found: dict[str, dict[str, Any]]) -> None:
    """Refuse unless every member matches the manifest and nothing is missing or extra."""
    listed = {entry["name"]: {"size": entry["size"], "sha256": entry["sha256"]} for entry in manifest["members"]}
    if set(listed) != set(found):
        raise BackupError(_("This backup's files do not match its manifest: nothing was restored."))
    for name, entry in listed.items():
        if found[name] != entry:
            raise BackupError(
                _("%(name)s does not match its checksum in the manifest: nothing was restored.") % {"name": name}
            )
    databases = [name for name in listed if name.startswith("database/")]
    if len(databases) != 1:
        raise BackupError(_("This backup holds no database: nothing was restored."))


def _restore_database(staging: Path, manifest: dict[str, Any]) -> str:
    """Put the staged database in place: the SQLite file by a rename, or pg_restore in one transaction."""
    vendor = _database_vendor()
    if manifest.get("database") != vendor:
        raise BackupError(
            _("This backup holds a %(theirs)s database but this site is set up for %(ours)s: nothing was restored.")
            % {"theirs": manifest.get("database"), "ours": vendor}
        )
    if vendor == "postgresql":
        dump = staging / PG_MEMBER
        # --single-transaction: a failure leaves the database as empty as it was.
        # The password reaches pg_restore through its environment (_pg_environment), never argv.
        name = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
        _run_tool(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={name}",
                str(dump),
            ]
        )
        return vendor
    staged = staging / SQLITE_MEMBER
    with sqlite3.connect(f"file:{staged}?mode=ro", uri=True) as check:
        verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
    check.close()
    if verdict != "ok":
        raise BackupError(_("The database in this backup is damaged: nothing was restored."))
    target = Path(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    connections[DEFAULT_DB_ALIAS].close()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.replace(staged, target)
    return vendor


def _move_files(staging: Path, prefix: str, destination: Path) -> None:
    """Move the staged files under `prefix` to `destination`, replacing the freshly generated keys."""
    folder = staging / prefix
    if not folder.is_dir():
        return
    for root, _dirs, files in os.walk(folder):
        for name in files:
            source = Path(root) / name
            target = destination / source.relative_to(folder)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.move(source, target)


def restore_backup(
    backup: Path, identities: list[vault.AgeIdentityStr], *, stderr: IO[str] | None = None
) -> RestoreResult:
    """Check the whole backup, then bring it into this (empty) site; return what was restored."""
    try:
        _refuse_unless_empty()
    except BaseException:
        _leave_empty()
        raise
    data_dir = Path(settings.DATA_DIR)
    staging = data_dir / f".restore-{secrets.token_hex(8)}"
    staging.mkdir(mode=0o700)
    try:
        try:
            handle = open(backup, "rb")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise BackupError(_("Cannot read %(path)s: %(error)s") % {"path": backup, "error": error}) from None
        with handle:
            progress = Progress(_("Restoring"), os.fstat(handle.fileno()).st_size, stderr)
            manifest, found = _extract(_CountingReader(handle, progress), identities, staging)  # type: ignore[arg-type]
            progress.finish()
        _check_manifest(manifest, found)
        # Everything matched: only now does anything become final.
        vendor = _restore_database(staging, manifest)
        _move_files(staging, "keys", data_dir / "keys")
        _move_files(staging, "blobs", Path(settings.CLARION_BLOB_DIR))
        _move_files(staging, "media", Path(settings.CLARION_MEDIA_DIR))
    except BaseException:
        _leave_empty()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(members=len(found), database=vendor, pending_migrations=_pending_migrations())


def _leave_empty() -> None:
    """Remove the secrets this command generated on start, so a refused restore leaves the folder as found."""
    for path in config.GENERATED_HERE:
        path.unlink(missing_ok=True)


def _pending_migrations() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def do_restore(*, backup: Path, identity_file: Path, stderr: IO[str] | None = None) -> RestoreResult:
    """Restore a backup into this empty site and record that in its (restored) audit log."""
    identities = read_identities(identity_file)
    result = restore_backup(backup, identities, stderr=stderr)
    if not result.pending_migrations:
        # An older backup's tables may predate this version's: then `migrate` comes first, and
        # the restore is recorded by nobody but the operator's own notes.
        record(actor=None, action="backup.restored", detail=f"{backup.name}: {result.members} files")
    return result
