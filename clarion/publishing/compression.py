"""Compress reader pages, and nothing that holds a secret (BREACH).

BREACH recovers a secret from a compressed HTTPS response when the attacker can also put text
of their choosing into the same response and watch its length: a CSRF token next to a
reflected form field, a receipt next to a reflected answer. Reader pages hold no secret (no
CSRF token, no session, nothing per person: the same bytes for everyone, which is why they are
cached), so compressing them gives nothing away, search results included. Source and staff
pages carry CSRF tokens, receipts and tip content: they are never compressed. Static files are
compressed ahead of time by WhiteNoise.

The test is on the response, so a page answered from the page cache is compressed the same way:
only responses marked `Cache-Control: public` (`caching.mark_public`, reader pages only), that set
no cookie, of a text type, and with no hidden form field (where a CSRF or form token would be:
a guard should a form ever be added to a reader page).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import get_max_age

COMPRESSIBLE_TYPES = (
    "text/html",
    "text/plain",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
)


def holds_no_secret(response: HttpResponseBase) -> bool:
    """Tell whether a response is a reader's: public, cookie-free, text, and with no hidden form field."""
    if "public" not in response.get("Cache-Control", "") or get_max_age(response) is None:
        return False
    if response.cookies or response.streaming:
        return False
    if not response.get("Content-Type", "").startswith(COMPRESSIBLE_TYPES):
        return False
    # A hidden field is where a form keeps its token (CSRF, a tip form's one-time token).
    return b'type="hidden"' not in response.content  # type: ignore[attr-defined]  # not streaming


class ReaderPageGZipMiddleware(GZipMiddleware):
    """Django's gzip (with its random padding against length guessing), for reader pages only."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not holds_no_secret(response):
            return response
        return super().process_response(request, response)  # type: ignore[no-any-return]
