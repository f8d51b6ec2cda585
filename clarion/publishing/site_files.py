"""The files every public site is expected to answer: robots.txt, favicon.ico and security.txt."""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from clarion.publishing.caching import mark_public
from clarion.publishing.models import SiteSettings
from clarion.web.site_address import absolute_url

# Pages no search engine should list: the staff pages, a source's own pages (login, inbox,
# forms), and search results (an endless space of addresses). The tip line's landing page stays
# findable: a source looking for a safe way to tell us should find it.
NOT_FOR_CRAWLERS = ["/staff/", "/tip/login/", "/tip/inbox/", "/tip/send/", "/tip/logout/", "/search/"]
# RFC 9116 2.5.5: a security.txt says until when it holds, less than a year ahead. Written
# when asked, it is always this far ahead; an admin who empties the contact withdraws it at once.
SECURITY_TXT_VALID = dt.timedelta(days=180)
FAVICON_MAX_AGE = 24 * 3600


def _text(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Tell crawlers what to leave alone, and where the sitemap is."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_FOR_CRAWLERS)]
    lines.append(f"Sitemap: {absolute_url(request, reverse('publishing:sitemap'))}")
    return mark_public(_text("\n".join(lines) + "\n"))


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "clarion" / "static" / "clarion" / "favicon.ico").read_bytes()


@require_safe
def favicon_ico(request: HttpRequest) -> HttpResponse:
    """Answer browsers and feed readers that ask for /favicon.ico whatever the page links."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    return mark_public(response, max_age=FAVICON_MAX_AGE)


@require_safe
def security_txt(request: HttpRequest) -> HttpResponse:
    """Tell security researchers whom to write to (RFC 9116), with the contact an admin set.

    Without a contact there is nothing to say (Contact is required), so the file is not served.
    """
    contact = SiteSettings.current().security_contact_uri()
    if not contact:
        raise Http404("No security contact was set.")
    expires = (timezone.now() + SECURITY_TXT_VALID).astimezone(dt.UTC).replace(microsecond=0)
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        f"Canonical: {absolute_url(request, reverse('security-txt'))}",
        f"Preferred-Languages: {settings.LANGUAGE_CODE}",
    ]
    return _text("\n".join(lines) + "\n")
