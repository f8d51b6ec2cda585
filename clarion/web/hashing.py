"""Let at most a few Argon2id hashes run at once on this host, across every worker process.

Threat (security review M4): each staff login attempt runs Argon2id over 100 MiB, even for an
unknown user name, and each receipt a 12 MiB pass. Sixteen parallel logins grew the three
workers by 1.4 GB; a few hundred would exhaust a small server. A per-process limit is not
enough with three gunicorn workers, so the slots are `flock` locks on CLARION_HASHING_SLOTS
files in the data folder: the kernel releases a slot when its holder's process dies, so a
worker killed mid-hash leaks nothing. Waiting for a slot costs no memory; past WAIT_SECONDS
the request is answered "busy, try again" (`HashingBusy`, turned into a 503 page by
`clarion.web.middleware`).

The throttles are checked before any hash is asked for (clarion.web.throttle), so guessing
cannot fill the queue faster than the throttle lets attempts through.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.01

_held = threading.local()


class HashingBusy(Exception):
    """Every hashing slot stayed taken for WAIT_SECONDS."""


def slot_paths(folder: Path | None = None, count: int | None = None) -> list[Path]:
    """Return the lock files of the slots (created empty, mode 0600, on first use)."""
    folder = folder or Path(settings.DATA_DIR) / "run"
    count = count or settings.CLARION_HASHING_SLOTS
    return [folder / f"hashing-slot-{n}" for n in range(count)]


def _try_lock(path: Path) -> int | None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        # flock, not lockf: its locks belong to the open file, so two threads of one worker
        # contend for a slot exactly as two workers do.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@contextlib.contextmanager
def hashing_slot(*, folder: Path | None = None, count: int | None = None, wait: float | None = None) -> Iterator[None]:
    """Hold one of the host's hashing slots for the duration of the block.

    Re-entrant within a thread (recovery checks a code, then sets a password), so a holder
    never waits on a slot for itself.
    """
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    paths = slot_paths(folder, count)
    deadline = time.monotonic() + (WAIT_SECONDS if wait is None else wait)
    start = hash((os.getpid(), threading.get_ident())) % len(paths)  # spread first tries over the slots
    fd = None
    while fd is None:
        for path in paths[start:] + paths[:start]:
            fd = _try_lock(path)
            if fd is not None:
                break
        else:
            if time.monotonic() >= deadline:
                raise HashingBusy
            time.sleep(_POLL_SECONDS)
    _held.depth = 1
    try:
        yield
    finally:
        _held.depth = 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id password hasher (same stored format), run only inside a hashing slot."""

    def encode(self, password: str, salt: str) -> str:
        with hashing_slot():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with hashing_slot():
            return super().verify(password, encoded)
