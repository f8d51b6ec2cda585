"""Slow down password, one-time code and invitation-code guessing, without locking the owner out.

The counting itself is clarion.web.throttle (a table every worker shares, each attempt taken
atomically before the password or code is checked). The numbers, also in docs/security.md:

- Per account and per client address, five failures are free; after that each failure makes
  the next attempt wait twice as long, from 5 seconds up to MAX_WAIT_SECONDS (10 minutes).
  The wait runs from the last attempt that was checked; refused attempts do not lengthen it,
  so no lock lasts longer than 10 minutes after the last checked failure. Counts are
  forgotten FORGET_AFTER_SECONDS (30 minutes) after the last checked failure.
- The password step and the one-time-code step count together, so a stolen password does
  not open a fresh budget for guessing codes (django-otp's own throttle is off: settings).
- A success gives its attempt back; a complete login (both factors) also forgets the
  account's failures.
- No victim lockout (L9, ASVS 6.3.1): whoever knows a user name can keep that account's
  counter tripped by failing once every 10 minutes. A browser that completed a login of that
  account (both factors) in the last DEVICE_DAYS carries a device cookie
  (clarion.accounts.devices); from it, the account's counter is skipped, never the address's.
  The owner keeps logging in from their own browsers while the attack goes on.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from clarion.accounts import devices
from clarion.web import throttle as web_throttle
from clarion.web.throttle import Backoff, Limit, Scope, Ticket

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 10 * 60
FORGET_AFTER_SECONDS = 30 * 60

STAFF_LOGIN = Backoff(
    name="staff-login",
    free=FREE_FAILURES,
    first_wait=FIRST_WAIT_SECONDS,
    max_wait=MAX_WAIT_SECONDS,
    forget_after=FORGET_AFTER_SECONDS,
)
# Invitation codes carry 130 bits; the limit keeps guessing from costing the server anything.
INVITATION = Backoff(
    name="invitation",
    free=FREE_FAILURES,
    first_wait=FIRST_WAIT_SECONDS,
    max_wait=MAX_WAIT_SECONDS,
    forget_after=FORGET_AFTER_SECONDS,
)


def login_limits(request: HttpRequest, username: str) -> list[Limit]:
    """Return the counters an attempt to prove who `username` is, from this request, counts against."""
    limits = [Limit(STAFF_LOGIN, Scope.address(request))]
    if not devices.is_known_device(request, username):
        limits.insert(0, Limit(STAFF_LOGIN, Scope.account(username)))
    return limits


def take_login_attempt(request: HttpRequest, username: str) -> Ticket:
    """Take one attempt at a password, one-time code or recovery for `username`, before it is checked."""
    return web_throttle.take(login_limits(request, username))


def take_invitation_attempt(request: HttpRequest) -> Ticket:
    """Take one attempt at an invitation code from this request's address, before it is checked."""
    return web_throttle.take([Limit(INVITATION, Scope.address(request))])


def wait_message(seconds: int) -> str:
    """Return what a refused person reads: how long to wait."""
    return _("Too many failed attempts. Wait %(seconds)s seconds, then try again.") % {"seconds": seconds}
