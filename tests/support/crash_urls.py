"""The site's URLs plus one view that always fails, to see what a reader gets from a server error.

Registered only by tests (`crash_settings`, or `settings.ROOT_URLCONF` in a test), never in the site.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clarion import urls as site_urls

CRASH_MESSAGE = "crash-detail-7f3a91 /etc/secret-path"


def crash(request: HttpRequest) -> HttpResponse:
    """Fail as a bug would, with a message that must never reach the reader."""
    raise RuntimeError(CRASH_MESSAGE)


urlpatterns = [path("test-crash/", crash), *site_urls.urlpatterns]
handler404 = site_urls.handler404
handler500 = site_urls.handler500
