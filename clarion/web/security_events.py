"""Record security events (failed logins, guesses, throttling, refused access) in the server log.

Security review L8 / ASVS 16.2.5, 16.3.1-16.3.2: failures were recorded nowhere. Each event is
one line from the `clarion.security` logger, at WARNING, to the server's log:

    clarion.security event=login.password_failed user=3f9c0a7d21b4e6f1

What a line never holds (docs/design.md, property 3, and ASVS 16.3.3): a client address, a user agent,
a receipt, a typed password or code, or any content. A user name appears only as a *user tag*:
the first 16 hex digits of an HMAC under the in-memory key of clarion.web.memory_key. Within
one key epoch (a few hours) the same name gives the same tag, so an operator sees that one
account is under attack; after the key has moved on, nobody (not even with the staff list
from the database) can tell whose name a tag was.
"""

from __future__ import annotations

import logging
import re

from clarion.web import memory_key

logger = logging.getLogger("clarion.security")

_SAFE_VALUE = re.compile(r"[A-Za-z0-9_.:,-]{1,80}")


def user_tag(username: str) -> str:
    """Return the tag that stands for `username` in the log during this key epoch."""
    return memory_key.keyed_hash("security-log", username.casefold())[:16]


def record(event: str, *, username: str | None = None, **details: str | int) -> None:
    """Log one security event; `details` are our own words (policy names, view names), never input."""
    parts = [f"event={event}"]
    if username is not None:
        parts.append(f"user={user_tag(username)}")
    for name, value in details.items():
        text = str(value)
        parts.append(f"{name}={text if _SAFE_VALUE.fullmatch(text) else '?'}")
    logger.warning(" ".join(parts))
