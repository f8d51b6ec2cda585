"""Keep the scrubbed copies of post media in the data folder (never an original).

Written atomically (a temporary name, fsync, rename) so a reader never gets half a file, and
named only by a random token and the extension the scrubber chose: an editor's file name can
itself identify someone ("interview-with-j-smith.pdf"), so it is not kept.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings

_NAME = re.compile(r"^[0-9a-f]{24}\.(jpg|png|webp|gif|pdf)$")
_TOKEN = re.compile(r"^[0-9a-f]{24}$")
# Unpublished files live here encrypted (age), each to a key of its own; `/media/` never reaches them.
SEALED = "sealed"


def media_dir() -> Path:
    path = Path(settings.CLARION_MEDIA_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path:
    """Return the path of a stored media file; ValueError for any name we could not have made."""
    if not _NAME.fullmatch(name):
        raise ValueError("Not a media file name.")
    return media_dir() / name


def sealed_path_of(token: str) -> Path:
    """Return the path of a file's encrypted copy; ValueError for any token we could not have made."""
    if not _TOKEN.fullmatch(token):
        raise ValueError("Not a media token.")
    folder = media_dir() / SEALED
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{token}.age"


def save(name: str, data: bytes) -> None:
    """Store `data` under `name` (a readable copy, once published), durably."""
    _write(path_of(name), data)


def save_sealed(token: str, ciphertext: bytes) -> None:
    """Store a file's encrypted copy, durably."""
    _write(sealed_path_of(token), ciphertext)


def read_sealed(token: str) -> bytes:
    return sealed_path_of(token).read_bytes()


def _write(target: Path, data: bytes) -> None:
    """Write `data` to `target`, replacing nothing half-written (temporary name, fsync, rename)."""
    part = target.with_name(target.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def delete(name: str) -> None:
    path_of(name).unlink(missing_ok=True)


def delete_sealed(token: str) -> None:
    sealed_path_of(token).unlink(missing_ok=True)
