"""The public address of the site: one setting, or the address each request came to.

Everything that writes an absolute URL (notification emails, Open Graph, JSON-LD, feeds, the
sitemap, robots.txt, security.txt, rel=canonical) asks here, so that no link can point at an
address the site is not served at (the newcomer's trial: moving the port with CLARION_BIND left
every email and og:url at :8000). Unset, the address is the request's own: its host was already
checked against CLARION_ALLOWED_HOSTS by Django, so a forged Host header cannot put an
attacker's domain into a link a reviewer follows (a phishing lure for staff passwords).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site_url(request: HttpRequest | None = None) -> str:
    """Return the site's address without a trailing slash: CLARION_SITE_URL, else the request's, else ""."""
    configured: str = settings.CLARION_SITE_URL
    if configured:
        return configured
    if request is None:
        return ""
    return request.build_absolute_uri("/").rstrip("/")


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """Return `path` (starting with /) as a full URL at the site's address."""
    return site_url(request) + path
