"""Slow down password and code guessing at the staff login, without locking anyone out for long.

Failures are counted in the cache (memory, or Redis: never the database) twice: per account
and per client address. Both keys are HMACs under a key that lives only in the cache and
rotates, so the cache never holds an address or a user name in the clear.

After FREE_FAILURES failures each further one doubles the wait, up to MAX_WAIT_SECONDS. The
counters expire WINDOW_SECONDS after the last failure. So a lockout lasts minutes: someone who
types a victim's user name wrong on purpose delays them by at most MAX_WAIT_SECONDS per round
of failures, and the per-address limit slows down whoever does it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 10 * 60
WINDOW_SECONDS = 30 * 60
KEY_LIFETIME = 6 * 3600

# The one clock of this module: tests replace it to let a lockout run out.
now: Callable[[], float] = time.time


@dataclass(frozen=True)
class Scope:
    """What a counter is about: 'account' (a user name) or 'address' (a client address)."""

    kind: str
    value: str


def bucket_key(scope: Scope, hmac_key: bytes) -> str:
    """Return the cache key for `scope`: its kind and an HMAC of its value, never the value."""
    value = scope.value.casefold() if scope.kind == "account" else scope.value
    digest = hmac.new(hmac_key, f"{scope.kind}\0{value}".encode(), hashlib.sha256).hexdigest()
    return f"staff-login-failures:{scope.kind}:{digest}"


def _hmac_key() -> bytes:
    return bytes.fromhex(cache.get_or_set("staff-throttle-key", lambda: secrets.token_hex(32), KEY_LIFETIME))


def scopes_for(request: HttpRequest, username: str) -> list[Scope]:
    """Return the counters a login attempt with `username` from this request touches."""
    return [Scope("account", username), Scope("address", request.META.get("REMOTE_ADDR", ""))]


def wait_after(failures: int) -> int:
    """Return the seconds to wait after `failures` consecutive failures."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** min(failures - FREE_FAILURES, 20))


def seconds_to_wait(scopes: list[Scope]) -> int:
    """Return how long before the next attempt is heard (0: go)."""
    key = _hmac_key()
    waits = [0]
    for scope in scopes:
        state = cache.get(bucket_key(scope, key))
        if state:
            waits.append(max(0, math.ceil(state["until"] - now())))
    return max(waits)


def record_failure(scopes: list[Scope]) -> None:
    """Count a failed attempt against every scope."""
    key = _hmac_key()
    for scope in scopes:
        bucket = bucket_key(scope, key)
        state = cache.get(bucket) or {"failures": 0, "until": 0.0}
        state["failures"] += 1
        state["until"] = now() + wait_after(state["failures"])
        cache.set(bucket, state, WINDOW_SECONDS + MAX_WAIT_SECONDS)


def clear_failures(scopes: list[Scope]) -> None:
    """Forget the failures of a person who just succeeded."""
    key = _hmac_key()
    for scope in scopes:
        cache.delete(bucket_key(scope, key))
