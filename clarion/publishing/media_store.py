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


def media_dir() -> Path:
    path = Path(settings.CLARION_MEDIA_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path:
    """Return the path of a stored media file; ValueError for any name we could not have made."""
    if not _NAME.fullmatch(name):
        raise ValueError("Not a media file name.")
    return media_dir() / name


def save(name: str, data: bytes) -> None:
    """Store `data` under `name`, durably, replacing nothing half-written."""
    target = path_of(name)
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
