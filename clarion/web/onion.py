"""Point Tor Browser at the site's onion service: the `Onion-Location` header of HTTPS pages.

Tor Browser offers a visitor who reached the site over the ordinary web to switch to the onion
service, which hides the source's network address from everyone on the path, the site
included (docs/design.md, property 2). Tor's specification honours the header only on pages
served over HTTPS: over plain HTTP anyone on the path could rewrite it and send sources to an
onion address of their own choosing, so it is sent only when the request came over HTTPS
(`request.is_secure()`: the proxy's `X-Forwarded-Proto`, settings.SECURE_PROXY_SSL_HEADER).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def onion_url(request: HttpRequest) -> str:
    """Return the address of the same page on the onion service, or "" when the site has none."""
    onion = settings.CLARION_ONION_ADDRESS
    return f"http://{onion}{request.get_full_path()}" if onion else ""


class OnionLocationMiddleware:
    """Send `Onion-Location: http://<onion>/<same path>` with every HTML page served over HTTPS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        location = onion_url(request)
        if location and request.is_secure() and response.get("Content-Type", "").startswith("text/html"):
            response["Onion-Location"] = location
        return response
