"""Limit receipt guessing and floods of tips, messages and files (M3, M4, ASVS 2.4.1).

Counted in the table every worker shares (clarion.web.throttle): a client address only as an
HMAC under a key that lives in memory alone and rotates (docs/design.md, property 3). The numbers,
also in docs/security.md:

- **Receipts**, per client address: five failures free, then each failure makes the next
  attempt wait twice as long, from 5 seconds up to 15 minutes; counts forgotten 15 minutes
  after the last checked attempt. The attempt is taken before the receipt's Argon2id pass; a
  right receipt gives it back. Behind an onion service every source arrives from one address,
  so the limit then acts for the whole site: the intended trade-off against guessing.
- **Tips and source messages**, together: CLARION_SOURCE_POSTS_PER_ADDRESS per address and
  CLARION_SOURCE_POSTS_PER_SITE for the whole site, per 10 minutes from the first. Every post
  counts, accepted or not, since it is taken before its body is read. Over either, the source
  sees a "busy, try again in N minutes" page with everything typed kept; the files are read
  and dropped, never stored (browsers cannot keep chosen files: the page says so).
- **Files**, per channel: at most `Channel.daily_byte_budget` bytes per 24 hours from the
  first. When a post's first file arrives, before any of it is written, the post reserves its
  declared Content-Length (Django reads no more than that), and afterwards gives back what was
  not stored. When the reservation does not fit, the post's files are refused with a message
  and nothing of them is written; the source can send the text alone.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clarion.intake.models import Channel
from clarion.web import throttle as web_throttle
from clarion.web.throttle import Backoff, Budget, Limit, Scope, Ticket

RECEIPT = Backoff(name="receipt", free=5, first_wait=5, max_wait=15 * 60, forget_after=15 * 60)
SOURCE_POST_WINDOW_SECONDS = 10 * 60
CHANNEL_BYTES_WINDOW_SECONDS = 24 * 3600


def take_receipt_attempt(request: HttpRequest) -> Ticket:
    """Take one receipt attempt from this request's address, before the receipt is derived."""
    return web_throttle.take([Limit(RECEIPT, Scope.address(request))])


def take_source_post(request: HttpRequest) -> Ticket:
    """Take one tip or message from this request's address and from the site's budget."""
    per_address = Budget("source-posts", settings.CLARION_SOURCE_POSTS_PER_ADDRESS, SOURCE_POST_WINDOW_SECONDS)
    per_site = Budget("source-posts", settings.CLARION_SOURCE_POSTS_PER_SITE, SOURCE_POST_WINDOW_SECONDS)
    return web_throttle.take([Limit(per_address, Scope.address(request)), Limit(per_site, Scope.site())])


class ChannelBytes:
    """A post's claim on its channel's daily byte budget, made when its first file arrives.

    `reserve` is given to the upload handler: it reserves the post's declared Content-Length
    (the body cannot be longer: Django reads no more) in one atomic step, so parallel uploads
    cannot together overshoot the budget. `settle` gives back what was not stored. A post
    without files reserves nothing.
    """

    def __init__(self, request: HttpRequest, channel: Channel) -> None:
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
        self.ticket = web_throttle.take([Limit(budget, scope)], amount=declared)
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
