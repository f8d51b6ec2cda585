"""Django's CSRF protection, fitted to a site that sends `Referrer-Policy: no-referrer`.

docs/design.md, property 4, forbids referrers, and under that policy browsers (Chromium, Firefox,
Tor Browser: the Fetch standard) send `Origin: null` with every form post and no Referer.
Django's origin check rejects `null`, so every source's tip would be refused.

This middleware accepts `Origin: null` unless the browser's own Fetch Metadata says the
request came from another site (`Sec-Fetch-Site`, which pages cannot forge). Everything
else of Django's check stays: a real Origin must match, and the CSRF token must always be
valid. The token's cookie is SameSite=Strict and, over HTTPS, `__Host-` prefixed, so a
sibling subdomain cannot plant one: the attack Django's referer check exists for.

Views that take files are CSRF-exempt at the decorator only so that their upload handler can be
installed before the body is parsed (Django's documented pattern); each then checks the token
itself with `csrf_failed`, and answers a failure with its form shown again, everything typed
kept, rather than a bare 403 that loses the person's work. Every other refusal is answered by
`csrf_failure` (Django's CSRF_FAILURE_VIEW) with the expired-form page of the surface the
request came from (settings.CLARION_EXPIRED_FORM_PAGES).

One form has no token: a channel's tip form, which a source may reach straight from the
landing page. The SecureDrop directory requires that such pages set no cookie (a cookie is a
trace of the visit left in the browser), and the token's cookie would be one. That form is
checked with `cross_site_post` instead: the same Origin and Fetch Metadata check as above,
which is what decides against a page on another site (the token only adds that the poster
loaded one of our pages, which an attacker can do from their own machine; Go's
net/http.CrossOriginProtection rests on these headers alone). A forged post could at most send
an anonymous tip, which anyone can do directly; the form's signed one-time token still dates it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils.translation import gettext_lazy

CROSS_SITE = {"cross-site", "same-site"}
EXPIRED_FORM = gettext_lazy(
    "This form expired before it was sent (it is tied to your browser session, which may have "
    "ended). Nothing was sent. Your text is kept below: check it and send again."
)


class NoReferrerCsrfViewMiddleware(CsrfViewMiddleware):
    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            return request.META.get("HTTP_SEC_FETCH_SITE") not in CROSS_SITE
        return bool(super()._origin_verified(request))  # type: ignore[misc]  # Django's private check, absent from the stubs


def csrf_failed(request: HttpRequest) -> bool:
    """Check the CSRF token of a view that parsed its own body; True when it fails."""
    never_called = lambda r: HttpResponse()  # noqa: E731 - the middleware's and the view's stand-in
    return NoReferrerCsrfViewMiddleware(never_called).process_view(request, never_called, (), {}) is not None


def cross_site_post(request: HttpRequest) -> bool:
    """Check a post by the browser's own headers alone, without a token or cookie; True when another site sent it.

    Refused: Fetch Metadata naming another site; an Origin that is not ours (`null` counts as
    ours unless Fetch Metadata says otherwise, as in the middleware above); without an Origin,
    a Referer from another host. A client that sends none of them (a text browser) passes.
    """
    if request.META.get("HTTP_SEC_FETCH_SITE") in CROSS_SITE:
        return True
    if "HTTP_ORIGIN" in request.META:
        never_called = lambda r: HttpResponse()  # noqa: E731 - the middleware's stand-in
        return not NoReferrerCsrfViewMiddleware(never_called)._origin_verified(request)
    referer = str(request.META.get("HTTP_REFERER", ""))
    return bool(referer) and urlsplit(referer).netloc != request.get_host()


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Explain an expired form in plain words (Django's CSRF_FAILURE_VIEW), on the page's own surface.

    The page is the one settings.CLARION_EXPIRED_FORM_PAGES names for the longest prefix of the
    request's path: each surface brings its own, and this module names none of them.
    """
    pages = settings.CLARION_EXPIRED_FORM_PAGES
    prefix = max((prefix for prefix in pages if request.path.startswith(prefix)), key=len)
    return render(request, pages[prefix], status=403)
