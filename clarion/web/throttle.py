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

The limits themselves (staff logins, invitation codes, receipts, source posts, channel bytes)
are declared at the end of this module, with the messages a refused person reads.

Redis is not used for throttles even when CACHE_URL is set: the table is shared and atomic
on every supported database, and Clarion ships no Redis client (docs/design.md, "Components":
rate limits live in a table every worker shares). With several hosts the in-memory key differs per host, so
each host counts an address separately (up to N hosts times the limits); the per-account,
site-wide and per-channel counts are not keyed and stay exact.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clarion.web import memory_key, security_events
from clarion.web.models import ThrottleBucket

_SAME_INSTANT = 1e-3  # seconds: far below any wait, far above float rounding


def client_address(request: HttpRequest) -> str:
    """Return the client's address for the per-address limits (kept only keyed-hashed).

    Behind a proxy on this machine (deploy/nginx, CLARION_BEHIND_PROXY) every request comes
    from the loopback, and every source would share one count: the proxy's `X-Real-IP` is
    read instead, from a loopback peer only. Without the setting the header is ignored, so a
    client talking to gunicorn directly (over an onion service pointed at it) cannot claim a
    fresh address with each request to escape its limit.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    forwarded = str(request.META.get("HTTP_X_REAL_IP", "")).strip()
    if settings.CLARION_BEHIND_PROXY and forwarded and _is_loopback(remote):
        return forwarded
    return remote


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _now() -> float:
    """Return the time in seconds since 1970, from the project's one clock."""
    return timezone.now().timestamp()


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
        remaining = row.last_at + wait - moment if wait else 0
        # Times are float seconds: a sum and a clock reading of the same instant may differ in
        # their last bit, which must not cost a person a whole second more at the boundary.
        return remaining if remaining > _SAME_INSTANT else 0

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
        return cls("address", client_address(request))

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
            _save(rows, "attempts", "last_at")

    def forget(self, kind: str) -> None:
        """Delete the counts of this ticket's scopes of `kind` (the account of someone who just proved who they are)."""
        ThrottleBucket.objects.filter(key__in=[key for key, of in self.keys.items() if of == kind]).delete()


def _save(rows: Iterable[ThrottleBucket], *fields: str) -> None:
    """Write these fields of the (locked) rows: an UPDATE each, cheaper than bulk_update for a few rows."""
    for row in rows:
        ThrottleBucket.objects.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})


def take(limits: Sequence[Limit], *, amount: int = 1) -> Ticket:
    """Count `amount` against every limit at once, or against none if any refuses; say which.

    Call it before judging the attempt. On a refusal nothing is counted, and the refusal is
    recorded as a security event (naming the policy, never the address).
    """
    hmac_key = memory_key.derived_key("throttle")
    keyed = [(bucket_key(limit, hmac_key), limit) for limit in limits]
    keys = {key: limit.scope.kind for key, limit in keyed}
    with transaction.atomic():
        created = _now()
        ThrottleBucket.objects.bulk_create(
            [ThrottleBucket(key=key, started_at=created, last_at=created, expires_at=created) for key in keys],
            ignore_conflicts=True,
        )
        # Rows are locked in key order, so two takes over the same scopes cannot deadlock.
        rows = {row.key: row for row in ThrottleBucket.objects.select_for_update().filter(key__in=keys).order_by("key")}
        # The time of the attempt is read once the rows are ours: an attempt that waited for the
        # lock is judged at the moment it is counted, after the attempt that held it.
        moment = _now()
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
            _save(rows.values(), "attempts", "started_at", "last_at", "expires_at")
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
    deleted, _by_model = ThrottleBucket.objects.filter(expires_at__lte=_now()).delete()
    return deleted


# Staff logins and invitation codes (security review M3, L9; numbers also in docs/security.md).
#
# - Per account and per client address, five failures are free; after that each failure makes
#   the next attempt wait twice as long, from 5 seconds up to 10 minutes. The wait runs from the
#   last attempt that was checked; refused attempts do not lengthen it, so no lock lasts longer
#   than 10 minutes after the last checked failure. Counts are forgotten 30 minutes after the
#   last checked failure.
# - The password step and the one-time-code step count together, so a stolen password does
#   not open a fresh budget for guessing codes (django-otp's own throttle is off: settings).
# - A success gives its attempt back; a complete login (both factors) also forgets the
#   account's failures.
# - No victim lockout (L9, ASVS 6.3.1): whoever knows a user name can keep that account's
#   counter tripped by failing once every 10 minutes. A browser that completed a login of that
#   account (both factors) recently carries a device cookie (clarion.accounts.devices); from it,
#   the account's counter is skipped, never the address's. The owner keeps logging in from
#   their own browsers while the attack goes on.
STAFF_LOGIN = Backoff(name="staff-login", free=5, first_wait=5, max_wait=10 * 60, forget_after=30 * 60)
# Invitation codes carry 130 bits; the limit keeps guessing from costing the server anything.
INVITATION = Backoff(name="invitation", free=5, first_wait=5, max_wait=10 * 60, forget_after=30 * 60)


def login_limits(request: HttpRequest, username: str, *, known_device: bool) -> list[Limit]:
    """Return the counters an attempt to prove who `username` is, from this request, counts against.

    `known_device`: this browser completed a login of `username` recently (its account
    counter is skipped, L9).
    """
    limits = [Limit(STAFF_LOGIN, Scope.address(request))]
    if not known_device:
        limits.insert(0, Limit(STAFF_LOGIN, Scope.account(username)))
    return limits


def take_login_attempt(request: HttpRequest, username: str, *, known_device: bool) -> Ticket:
    """Take one attempt at a password, one-time code or recovery for `username`, before it is checked."""
    return take(login_limits(request, username, known_device=known_device))


def take_invitation_attempt(request: HttpRequest) -> Ticket:
    """Take one attempt at an invitation code from this request's address, before it is checked."""
    return take([Limit(INVITATION, Scope.address(request))])


def wait_message(seconds: int) -> str:
    """Return what a refused staff member or invitee reads: how long to wait."""
    return _("Too many failed attempts. Wait %(seconds)s seconds, then try again.") % {"seconds": seconds}


# Sources (M3, M4, ASVS 2.4.1; numbers also in docs/security.md).
#
# - Receipts, per client address: five failures free, then each failure makes the next attempt
#   wait twice as long, from 5 seconds up to 15 minutes; counts forgotten 15 minutes after the
#   last checked attempt. The attempt is taken before the receipt's Argon2id pass; a right
#   receipt gives it back. Behind an onion service every source arrives from one address, so
#   the limit then acts for the whole site: the intended trade-off against guessing.
# - Tips and source messages, together: CLARION_SOURCE_POSTS_PER_ADDRESS per address and
#   CLARION_SOURCE_POSTS_PER_SITE for the whole site, per 10 minutes from the first. Every post
#   counts, accepted or not, since it is taken before its body is read. Over either, the source
#   sees a "busy, try again in N minutes" page with everything typed kept; the files are read
#   and dropped, never stored (browsers cannot keep chosen files: the page says so).
# - Files, per channel: at most the channel's daily byte budget per 24 hours from the first.
#   When a post's first file arrives, before any of it is written, the post reserves its
#   declared Content-Length (Django reads no more than that), and afterwards gives back what
#   was not stored. When the reservation does not fit, the post's files are refused with a
#   message and nothing of them is written; the source can send the text alone.
RECEIPT = Backoff(name="receipt", free=5, first_wait=5, max_wait=15 * 60, forget_after=15 * 60)
SOURCE_POST_WINDOW_SECONDS = 10 * 60
CHANNEL_BYTES_WINDOW_SECONDS = 24 * 3600


def take_receipt_attempt(request: HttpRequest) -> Ticket:
    """Take one receipt attempt from this request's address, before the receipt is derived."""
    return take([Limit(RECEIPT, Scope.address(request))])


def take_source_post(request: HttpRequest) -> Ticket:
    """Take one tip or message from this request's address and from the site's budget."""
    per_address = Budget("source-posts", settings.CLARION_SOURCE_POSTS_PER_ADDRESS, SOURCE_POST_WINDOW_SECONDS)
    per_site = Budget("source-posts", settings.CLARION_SOURCE_POSTS_PER_SITE, SOURCE_POST_WINDOW_SECONDS)
    return take([Limit(per_address, Scope.address(request)), Limit(per_site, Scope.site())])


class BudgetedChannel(Protocol):
    """What the byte budget needs of a channel (intake's `Channel`)."""

    pk: Any
    daily_byte_budget: int


class ChannelBytes:
    """A post's claim on its channel's daily byte budget, made when its first file arrives.

    `reserve` is given to the upload handler: it reserves the post's declared Content-Length
    (the body cannot be longer: Django reads no more) in one atomic step, so parallel uploads
    cannot together overshoot the budget. `settle` gives back what was not stored. A post
    without files reserves nothing.
    """

    def __init__(self, request: HttpRequest, channel: BudgetedChannel) -> None:
        self.request = request
        self.channel = channel
        self.ticket: Ticket | None = None

    def reserve(self) -> bool:
        """Reserve the post's length; return whether it fits in today's budget."""
        try:
            declared = max(0, int(self.request.META.get("CONTENT_LENGTH") or 0))
        except ValueError:
            declared = 0
        budget = Budget("channel-bytes", self.channel.daily_byte_budget, CHANNEL_BYTES_WINDOW_SECONDS)
        scope = Scope("channel", str(self.channel.pk), personal=False)
        self.ticket = take([Limit(budget, scope)], amount=declared)
        return self.ticket.allowed

    def settle(self, stored_bytes: int) -> None:
        """Give back the part of the reservation that was not stored (all of it for a refused post)."""
        if self.ticket is not None:
            self.ticket.refund(self.ticket.amount - stored_bytes)
            self.ticket = None


def busy_message(seconds: int) -> str:
    """Return what a source over a post budget reads."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "The site is busy: it has received many tips and messages in the last minutes. "
        "Nothing was sent. Try again in %(minutes)d minute; your words are kept below.",
        "The site is busy: it has received many tips and messages in the last minutes. "
        "Nothing was sent. Try again in %(minutes)d minutes; your words are kept below.",
        minutes,
    ) % {"minutes": minutes}


def receipt_wait_message(seconds: int) -> str:
    """Return what a source whose address tried too many receipts reads."""
    return _("Too many receipts were tried from your connection. Wait %(seconds)d seconds, then try again.") % {
        "seconds": seconds
    }


def refusal(
    request: HttpRequest,
    ticket: Ticket,
    template: str,
    context: dict[str, Any],
    *,
    message: Callable[[int], str] = wait_message,
) -> HttpResponse | None:
    """Return the page `template` again with status 429 and how long to wait, when `ticket` was refused.

    Return None when the attempt was taken: the caller goes on to judge it. `message` turns the
    wait in seconds into what the person reads.
    """
    if ticket.allowed:
        return None
    problems = [message(ticket.wait_seconds)]
    return render(request, template, {**context, "problems": problems}, status=429)
