"""Django's CSRF protection, fitted to a site that sends `Referrer-Policy: no-referrer`.

docs/design.md, property 4 forbids referrers, and under that policy browsers (Chromium, Firefox,
Tor Browser: the Fetch standard) send `Origin: null` with every form post and no Referer.
Django's origin check rejects `null`, so every source's tip would be refused.

This middleware accepts `Origin: null` unless the browser's own Fetch Metadata says the
request came from another site (`Sec-Fetch-Site`, which pages cannot forge). Everything
else of Django's check stays: a real Origin must match, and the CSRF token must always be
valid. The token's cookie is SameSite=Strict and, over HTTPS, `__Host-` prefixed, so a
sibling subdomain cannot plant one: the attack Django's referer check exists for.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware

CROSS_SITE = {"cross-site", "same-site"}


class NoReferrerCsrfViewMiddleware(CsrfViewMiddleware):
    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            return request.META.get("HTTP_SEC_FETCH_SITE") not in CROSS_SITE
        return super()._origin_verified(request)  # type: ignore[misc]  # Django's private check, absent from the stubs
