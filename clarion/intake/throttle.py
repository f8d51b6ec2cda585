"""Slow down repeated receipt failures without storing any address (DESIGN property 3).

Failures are counted in the cache (process memory, or Redis that keeps nothing on disk)
under an HMAC of the client address. The HMAC key itself lives only in the cache and
expires, so yesterday's counters cannot be linked to an address even by someone who reads
the cache: it rotates every KEY_LIFETIME seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time

from django.core.cache import cache
from django.http import HttpRequest

FREE_FAILURES = 5
WINDOW_SECONDS = 15 * 60
MAX_WAIT_SECONDS = 15 * 60
KEY_LIFETIME = 6 * 3600


def _bucket(request: HttpRequest) -> str:
    key = cache.get_or_set("throttle-key", lambda: secrets.token_hex(32), KEY_LIFETIME)
    address = request.META.get("REMOTE_ADDR", "")
    digest = hmac.new(bytes.fromhex(key), address.encode(), hashlib.sha256).hexdigest()
    return f"receipt-failures:{digest}"


def seconds_to_wait(request: HttpRequest) -> int:
    """Return how long this client must wait before its next receipt attempt (0: go)."""
    state = cache.get(_bucket(request))
    if not state:
        return 0
    return max(0, math.ceil(state["until"] - time.time()))


def record_failure(request: HttpRequest) -> None:
    """Count a failed attempt; from the sixth on, each doubles the wait (5 s up to 15 min)."""
    bucket = _bucket(request)
    state = cache.get(bucket) or {"failures": 0, "until": 0.0}
    state["failures"] += 1
    if state["failures"] >= FREE_FAILURES:
        wait = min(MAX_WAIT_SECONDS, 5 * 2 ** (state["failures"] - FREE_FAILURES))
        state["until"] = time.time() + wait
    cache.set(bucket, state, WINDOW_SECONDS + MAX_WAIT_SECONDS)


def clear_failures(request: HttpRequest) -> None:
    cache.delete(_bucket(request))
