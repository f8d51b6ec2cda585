"""Headers every response carries, whichever part of Clarion (or WhiteNoise) made it.

Placed first in MIDDLEWARE, so that it also sees static files (WhiteNoise answers them without
going further in) and error pages made when an inner middleware failed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"


class CrossOriginResourcePolicyMiddleware:
    """Send `Cross-Origin-Resource-Policy: same-origin` with every response.

    Without it, a page on another site may load any of ours as an image, script or media
    element: it cannot read the bytes, but it can time and size them (XS-Leaks) or pull them
    into its own process for a Spectre-style read. Such a page could tell whether a visitor has a
    source or staff session, or which posts they can see. No other origin has a reason to embed
    anything of Clarion's (docs/design.md, property 4: no third parties, in either direction).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", CROSS_ORIGIN_RESOURCE_POLICY)
        return response
