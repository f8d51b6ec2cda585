"""Hold the key that hashes client addresses and user names in memory only, shared by the workers.

docs/design.md, property 3 lets rate limits count by a keyed hash of a client address, provided the
key lives only in memory (never on disk, in the database, in an environment variable or
file, or in a backup), is shared by every worker, and rotates. The same key makes the user
tags of the security log (`clarion.web.security_events`).

How it is shared: `python -m clarion serve` starts gunicorn with `clarion.web.gunicorn_config`,
whose `on_starting` hook runs `install()` in the gunicorn master before any worker is forked.
`install()` maps one anonymous shared page (mmap with MAP_SHARED and no file behind it) and
writes a random 32-byte key into it. Every worker is forked from the master, so they all see
the same physical page: the same key, and the same key after any of them moves it forward.
Nothing of it reaches a file, the process environment or the database; it dies with the
server. (The kernel may write it to swap like any memory: swap is the operator's to encrypt
or switch off, docs/security.md.)

How it rotates: a one-way ratchet. Wall-clock time is cut into epochs of ROTATE_SECONDS; the
key of epoch e+1 is HMAC-SHA256(key of epoch e, "ratchet"). The first process to see a new
epoch overwrites the page with the next key, so the old key is gone from every process, the
master's included. Today's key does not give yesterday's, so yesterday's hashes (counts that
were not yet deleted, security log lines) can no longer be linked to an address or a name,
even by someone who seizes the running machine.

A process started another way (the test suite, `manage.py shell`, a gunicorn started by hand)
makes a page of its own on first use. That is right for a single process; gunicorn workers
started by hand would each count on their own, which is why `serve` is how Clarion runs.

This module imports nothing from Django: the gunicorn master imports it before Django is set up.
"""

from __future__ import annotations

import hashlib
import hmac
import mmap
import multiprocessing
import secrets
import struct
import threading
import time
from typing import Any, cast

ROTATE_SECONDS = 4 * 3600
KEY_BYTES = 32
_LAYOUT = struct.Struct(f"<Q{KEY_BYTES}s")  # epoch, key
_LOCK_SECONDS = 2.0

_page: mmap.mmap | None = None
_lock: Any = None  # a multiprocessing lock, shared across fork like the page
_first_use = threading.Lock()  # threads of a process without a master must make one page, not one each


def epoch_at(moment: float) -> int:
    """Return the rotation epoch that `moment` (seconds since 1970) falls in."""
    return int(moment // ROTATE_SECONDS)


def ratchet(key: bytes) -> bytes:
    """Return the key of the next epoch: a one-way step, so the old key cannot be recomputed."""
    return hmac.new(key, b"clarion key ratchet", hashlib.sha256).digest()


def install() -> None:
    """Map the shared page and put a fresh random key in it (in the gunicorn master, before fork).

    Calling it again replaces the key: every count and tag made under the old one is unlinkable.
    """
    global _page, _lock
    page = mmap.mmap(-1, _LAYOUT.size, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    page[:] = _LAYOUT.pack(epoch_at(time.time()), secrets.token_bytes(KEY_BYTES))
    _page, _lock = page, multiprocessing.get_context("fork").Lock()


def installed() -> bool:
    """Return whether this process has a key page (inherited from the master, or its own)."""
    return _page is not None


def _current() -> bytes:
    if _page is None:
        with _first_use:
            if _page is None:
                install()
    page = cast(mmap.mmap, _page)
    # The lock only keeps a reader from seeing half of a new key being written; a holder can
    # only die within a copy of 40 bytes, so a timeout never waits on a real writer.
    locked = _lock.acquire(timeout=_LOCK_SECONDS)
    try:
        epoch: int
        key: bytes
        epoch, key = _LAYOUT.unpack(page[:])
        wanted = epoch_at(time.time())
        if wanted > epoch:
            for _ in range(min(wanted - epoch, 100_000)):
                key = ratchet(key)
            page[:] = _LAYOUT.pack(wanted, key)
        # A clock that went back (or another process ahead of ours) never brings an old key back.
        return key
    finally:
        if locked:
            _lock.release()


def derived_key(purpose: str) -> bytes:
    """Return this epoch's key for one purpose ("throttle", "security-log"), never the key itself."""
    return hmac.new(_current(), f"clarion {purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """Return the hex HMAC of `value` under this epoch's key for `purpose`."""
    return hmac.new(derived_key(purpose), value.encode(), hashlib.sha256).hexdigest()
