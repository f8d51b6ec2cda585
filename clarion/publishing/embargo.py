"""Let the background worker publish an approved revision at its time, with no key on disk.

Threat: a scheduled post is approved but not yet public; someone who takes the server's disk
or a backup before its time must not read it ("only a published revision is readable at
rest"). Yet no editor is there at publication time to open the publishing key.

So the approved content is sealed to an *embargo* identity that lives only in the memory of
the running server: `python -m clarion serve` makes a random secret at start and hands it to
the web workers and the task worker in their environment (never a file, the database or a
backup); the identity is derived from it.
After a restart the old identity is gone and so are the scheduled copies: the post stays
scheduled and its page asks an editor to confirm the schedule again (`do_rearm_schedule`),
which seals it to the new identity. A process started on its own (tests, `manage.py`) makes
its own identity on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from clarion import vault
from clarion.vault import AgeRecipientStr, KeyPair

# Set by the serve command for the processes it starts (clarion/web/management/commands/serve.py).
SERVER_SECRET_VARIABLE = "CLARION_SERVER_SECRET"  # noqa: S105 - the name of the variable, not a secret

_made_here: list[KeyPair] = []


def identity() -> KeyPair:
    """Return this server's embargo identity (from its serve command's secret, else this process's own)."""
    handed_down = os.environ.get(SERVER_SECRET_VARIABLE)
    if handed_down:
        seed = hmac.new(bytes.fromhex(handed_down), b"clarion embargo identity", hashlib.sha256).digest()
        return vault.identity_from_seed(seed)
    if not _made_here:
        _made_here.append(vault.generate_keypair())
    return _made_here[0]


def seal(payload: bytes) -> bytes:
    return vault.encrypt(payload, [AgeRecipientStr(identity().recipient)])


def open_sealed(sealed: bytes | memoryview) -> bytes:
    """Return what `seal` made in this server's lifetime; raise vault.DecryptionError after a restart."""
    return vault.decrypt(bytes(sealed), [identity().identity])
