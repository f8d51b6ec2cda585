"""Headers every response carries, whichever part of Clarion (or WhiteNoise) made it.

Placed first in MIDDLEWARE, so that it also sees static files (WhiteNoise answers them without
going further in), error pages made when an inner middleware failed, and the
Content-Security-Policy that django-csp's middleware (further in) has just set.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"

#: Sent with every response (the SecureDrop directory checks both on a tip line's landing page).
EVERY_RESPONSE = {
    "Cross-Origin-Resource-Policy": CROSS_ORIGIN_RESOURCE_POLICY,
    # Old Internet Explorer opens a download in the site's own context unless told not to.
    "X-Download-Options": "noopen",
    # Flash and Acrobat may read our pages cross-site only as a /crossdomain.xml allows; with
    # master-only they consult that one file, which Clarion never serves, so nothing is allowed.
    "X-Permitted-Cross-Domain-Policies": "master-only",
}

#: Set on a response by `clarion.web.decorators.source_page`: it is a page of a source's visit.
SOURCE_PAGE = "clarion_source_page"

#: The origin-only policy the SecureDrop directory looks for on a landing page, sent as a second
#: policy beside Clarion's own. Browsers enforce every policy they receive (CSP3, "multiple
#: policies"), so a load must pass both: Clarion's stricter `default-src 'none'` policy still
#: decides, and this one loosens nothing.
ORIGIN_ONLY_POLICY = "default-src 'self'"


class ProtectiveHeadersMiddleware:
    """Send the protective headers every response needs, and a source page's second policy.

    `Cross-Origin-Resource-Policy: same-origin`: without it, a page on another site may load
    any of ours as an image, script or media element: it cannot read the bytes, but it can time
    and size them (XS-Leaks) or pull them into its own process for a Spectre-style read. Such a
    page could tell whether a visitor has a source or staff session, or which posts they can see.
    No other origin has a reason to embed anything of Clarion's (docs/design.md, property 4: no
    third parties, in either direction).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in EVERY_RESPONSE.items():
            response.headers.setdefault(name, value)
        policy = response.headers.get("Content-Security-Policy")
        # Pages only: a download keeps the one policy its view gave it.
        page = response.headers.get("Content-Type", "").startswith("text/html")
        if getattr(response, SOURCE_PAGE, False) and policy and page:
            response.headers["Content-Security-Policy"] = f"{policy}, {ORIGIN_ONLY_POLICY}"
        return response
