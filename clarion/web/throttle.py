"""Count attempts in a table every worker shares, taking each attempt atomically before it is judged.

Threats (security review M3, M4): password, one-time code, receipt and invitation-code guessing;
floods of junk tips and messages. What the earlier per-process cache counters got wrong, and
what this module does instead:

- **Shared.** The counts are rows of `ThrottleBucket` in the database (SQLite or PostgreSQL),
  so every gunicorn worker, thread and host sees the same numbers. Public pages, or any other
  use of a cache, cannot evict them.
- **Atomic, and taken before the check.** `take()` reads the rows under a write lock
  (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's IMMEDIATE transactions lock the whole
  database), decides, and counts the attempt in the same transaction. Only then does the
  caller run the expensive or secret-revealing check (a password hash, a receipt). Thirty
  parallel guesses are serialised here: the first five are taken, the others refused, however
  the requests are spread over workers. An attempt that succeeds is then given back
  (`Ticket.refund`) or its account counter forgotten (`Ticket.forget`).
- **Refusals are free and do not extend a lock.** A refused attempt changes nothing, so a lock
  never lasts longer than the wait set by the last attempt that was judged (see `Backoff`).
- **No address or user name stored.** A scope's value is kept only as an HMAC under a key
  that lives in memory alone and rotates every few hours (clarion.web.memory_key). When the
  key moves on, the old rows can no longer be found (their counts restart) and expire.
- **Expired counts are deleted** by a job every five minutes (clarion.web.tasks), and a row
  past its time is reset in place when its scope comes back.

Redis is not used for throttles even when CACHE_URL is set: the table is shared and atomic
on every supported database, and Clarion ships no Redis client (docs/design.md, "Components":
rate limits live in a table every worker shares). With several hosts the in-memory key differs per host, so
each host counts an address separately (up to N hosts times the limits); the per-account,
site-wide and per-channel counts are not keyed and stay exact.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest

from clarion.web import memory_key, security_events
from clarion.web.models import ThrottleBucket

# The one clock of this module: tests replace it to let a wait run out.
now: Callable[[], float] = time.time


@dataclass(frozen=True)
class Backoff:
    """Failures: `free` attempts, then each further one waits twice as long (up to `max_wait`).

    The wait runs from the last attempt that was judged. The counts are forgotten
    `forget_after` seconds after it (which is at least `max_wait`).
    """

    name: str
    free: int
    first_wait: int
    max_wait: int
    forget_after: int

    def wait_after(self, attempts: int) -> int:
        """Return the seconds to wait after `attempts` judged attempts."""
        if attempts < self.free:
            return 0
        return min(self.max_wait, self.first_wait * (1 << min(attempts - self.free, 30)))

    def wait(self, row: ThrottleBucket, amount: int, moment: float) -> float:
        wait = self.wait_after(row.attempts)
        return row.last_at + wait - moment if wait else 0

    def expires(self, row: ThrottleBucket) -> float:
        return row.last_at + max(self.forget_after, self.max_wait)


@dataclass(frozen=True)
class Budget:
    """A quantity (requests, bytes) of at most `limit` per `window` seconds from the first use."""

    name: str
    limit: int
    window: int

    def wait(self, row: ThrottleBucket, amount: int, moment: float) -> float:
        if row.attempts + amount <= self.limit:
            return 0
        return row.started_at + self.window - moment

    def expires(self, row: ThrottleBucket) -> float:
        return row.started_at + self.window


Policy = Backoff | Budget


@dataclass(frozen=True)
class Scope:
    """What a count is about. A personal scope (an address, a user name) is stored only keyed-hashed."""

    kind: str
    value: str
    personal: bool = True

    @classmethod
    def address(cls, request: HttpRequest) -> Scope:
        return cls("address", request.META.get("REMOTE_ADDR", ""))

    @classmethod
    def account(cls, username: str) -> Scope:
        # User names are matched without regard to case, so their counts are too.
        return cls("account", username.casefold())

    @classmethod
    def site(cls) -> Scope:
        return cls("site", "all", personal=False)


@dataclass(frozen=True)
class Limit:
    """One policy applied to one scope."""

    policy: Policy
    scope: Scope


def bucket_key(limit: Limit, hmac_key: bytes | None = None) -> str:
    """Return the row key of `limit`: its policy, its scope's kind, and its value or an HMAC of it."""
    scope = limit.scope
    if not scope.personal:
        return f"{limit.policy.name}:{scope.kind}:{scope.value}"
    key = hmac_key if hmac_key is not None else memory_key.derived_key("throttle")
    message = f"{limit.policy.name}\0{scope.kind}\0{scope.value}".encode()
    return f"{limit.policy.name}:{scope.kind}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"


@dataclass
class Ticket:
    """The answer to `take()`: whether the attempt may go ahead, or how long to wait."""

    allowed: bool
    wait_seconds: int
    amount: int
    keys: dict[str, str] = field(default_factory=dict)  # row key -> scope kind
    refused_by: tuple[str, ...] = ()  # the policy names that refused
    taken_at: float = 0.0
    previous_last_at: dict[str, float] = field(default_factory=dict)

    def refund(self, amount: int | None = None) -> None:
        """Give back what was taken (an attempt that succeeded, bytes that were not stored).

        When nothing was taken since, the counts are left exactly as they were before: a right
        password after a lock does not start a new wait for the one-time code that follows.
        """
        if not self.allowed:
            return
        give_back = self.amount if amount is None else min(amount, self.amount)
        if give_back <= 0:
            return
        with transaction.atomic():
            rows = list(ThrottleBucket.objects.select_for_update().filter(key__in=list(self.keys)).order_by("key"))
            for row in rows:
                row.attempts = max(0, row.attempts - give_back)
                if row.last_at == self.taken_at and row.key in self.previous_last_at:
                    row.last_at = self.previous_last_at[row.key]
            ThrottleBucket.objects.bulk_update(rows, ["attempts", "last_at"])

    def forget(self, kind: str) -> None:
        """Delete the counts of this ticket's scopes of `kind` (the account of someone who just proved who they are)."""
        ThrottleBucket.objects.filter(key__in=[key for key, of in self.keys.items() if of == kind]).delete()


def take(limits: Sequence[Limit], *, amount: int = 1) -> Ticket:
    """Count `amount` against every limit at once, or against none if any refuses; say which.

    Call it before judging the attempt. On a refusal nothing is counted, and the refusal is
    recorded as a security event (naming the policy, never the address).
    """
    hmac_key = memory_key.derived_key("throttle")
    keyed = [(bucket_key(limit, hmac_key), limit) for limit in limits]
    keys = {key: limit.scope.kind for key, limit in keyed}
    with transaction.atomic():
        created = now()
        ThrottleBucket.objects.bulk_create(
            [ThrottleBucket(key=key, started_at=created, last_at=created, expires_at=created) for key in keys],
            ignore_conflicts=True,
        )
        # Rows are locked in key order, so two takes over the same scopes cannot deadlock.
        rows = {row.key: row for row in ThrottleBucket.objects.select_for_update().filter(key__in=keys).order_by("key")}
        # The time of the attempt is read once the rows are ours: an attempt that waited for the
        # lock is judged at the moment it is counted, after the attempt that held it.
        moment = now()
        for row in rows.values():
            if row.expires_at <= moment:
                row.attempts, row.started_at, row.last_at = 0, moment, moment
        waits = {key: limit.policy.wait(rows[key], amount, moment) for key, limit in keyed}
        refusing = [limit for key, limit in keyed if waits[key] > 0]
        if not refusing:
            previous = {key: row.last_at for key, row in rows.items()}
            for key, limit in keyed:
                row = rows[key]
                row.attempts += amount
                row.last_at = moment
                row.expires_at = limit.policy.expires(row)
            ThrottleBucket.objects.bulk_update(list(rows.values()), ["attempts", "started_at", "last_at", "expires_at"])
            return Ticket(
                allowed=True, wait_seconds=0, amount=amount, keys=keys, taken_at=moment, previous_last_at=previous
            )
    ticket = Ticket(
        allowed=False,
        wait_seconds=max(1, math.ceil(max(waits.values()))),
        amount=amount,
        keys=keys,
        refused_by=tuple(dict.fromkeys(limit.policy.name for limit in refusing)),
    )
    accounts = [limit.scope.value for limit in limits if limit.scope.kind == "account"]
    security_events.record(
        "throttle.refused",
        username=accounts[0] if accounts else None,
        policy=",".join(ticket.refused_by),
        scope=",".join(dict.fromkeys(limit.scope.kind for limit in refusing)),
        wait=ticket.wait_seconds,
    )
    return ticket


def delete_expired() -> int:
    """Delete every count whose time is over; return how many."""
    deleted, _ = ThrottleBucket.objects.filter(expires_at__lte=now()).delete()
    return deleted
