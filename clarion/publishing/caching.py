"""Keep rendered public pages in the cache, and drop them all the moment anything public changes.

Under a spike (a report goes viral) the same few pages are asked for thousands of times;
rendering each once per change is enough. Pages are keyed by a *generation* number stored in
the database and bumped by every publication, correction, retraction or settings change, so
each web process — and the background worker that publishes scheduled posts — agrees on it;
a process looks at the number again whenever the wall clock's second changes, so a change
reaches every page within a second. Readers' responses also carry `Cache-Control: public` for a
CDN or reverse proxy.

A proxy in front of Clarion (deploy/nginx) keeps a page until the end of the wall-clock second
in which its generation was read, and no longer: `X-Accel-Expires: @<that second>`. A change
committed during second S is read by every process from second S + 1 on, when every page the
proxy kept has expired too, so readers see it within one second without a purge request
(which nginx cannot take without its commercial edition). The proxy asks again at most once a
second per page, and the answer then comes from this cache.

Reader pages never touch the session or the CSRF token, so they set no cookie (docs/design.md: no
trackers); `_cacheable` refuses to store a response that carries one anyway. Stored pages are
served by `PublicPageCacheMiddleware`, early in the middleware stack.

Pages are kept in a cache of their own (settings.PUBLIC_PAGES_CACHE, at most
PUBLIC_PAGES_MAX_ENTRIES pages per process): a flood of distinct addresses can only push out
other pages, never anything else kept in a cache (security review M3). The addresses that can
be stored are bounded by what is published: only 200 answers are kept, only `?page=N` is part
of the address, and unknown posts, tags, categories, empty months and pages past the last
answer 404.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_cache_control

from clarion.publishing.models import SiteSettings

# How long a CDN or browser may reuse a page without asking again; short, because a CDN cannot
# be told when a post is corrected or retracted.
ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)

PUBLIC_MAX_AGE = 60
# How long this application keeps a rendered page (dropped earlier by a new generation).
RENDERED_TIMEOUT = 600
GENERATION_RECHECK_SECONDS = 1.0

_PAGE_QUERY = re.compile(r"(page=[0-9]{1,6})?")

_seen: dict[str, float] = {"generation": -1.0, "checked_at": float("-inf"), "second": -1.0}


def current_generation() -> int:
    """Return the generation of the public site, read again from the database each new second.

    Read again when a second of the wall clock has begun since the last read, as well as after
    GENERATION_RECHECK_SECONDS: aligned to the wall clock, a proxy's copy and this process's
    number go stale together (see the module's docstring).
    """
    now = time.monotonic()
    second = float(int(timezone.now().timestamp()))
    if now - _seen["checked_at"] >= GENERATION_RECHECK_SECONDS or second != _seen["second"]:
        value = SiteSettings.objects.order_by("pk").values_list("generation", flat=True).first()
        _seen["generation"] = float(value or 0)
        _seen["checked_at"] = now
        _seen["second"] = second
    return int(_seen["generation"])


def proxy_expiry() -> str:
    """Return the `X-Accel-Expires` value of a page rendered at the generation read last.

    nginx keeps the page while its clock's second is at most this one (`@` + Unix seconds).
    """
    return f"@{int(_seen['second'])}"


def forget_generation() -> None:
    """Make the next request read the generation again (this process changed it)."""
    _seen["checked_at"] = float("-inf")


def drop_public_pages() -> None:
    """Bump the generation, so that every process renders public pages afresh."""
    SiteSettings.current()
    SiteSettings.objects.update(generation=F("generation") + 1)
    forget_generation()
    transaction.on_commit(forget_generation)


def _key(request: HttpRequest) -> str:
    path = hashlib.sha256(f"{request.get_host()}{request.get_full_path()}".encode()).hexdigest()
    return f"publishing:page:{current_generation()}:{path}"


def _pages() -> BaseCache:
    return caches[settings.PUBLIC_PAGES_CACHE]


def _cacheable(response: HttpResponse) -> bool:
    return response.status_code == 200 and not response.streaming and not response.cookies


def mark_public(response: ResponseT, *, max_age: int = PUBLIC_MAX_AGE) -> ResponseT:
    """Let shared caches keep a reader's page for `max_age` seconds."""
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def public_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Mark a reader page: shared caches may keep it, and `PublicPageCacheMiddleware` stores it."""

    @wraps(view)
    def public_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        request.clarion_public_page = True  # type: ignore[attr-defined]  # read by PublicPageCacheMiddleware
        return mark_public(response)

    return public_view


class PublicPageCacheMiddleware:
    """Answer a reader's GET with the page rendered earlier, before the session, authentication
    and CSRF middleware run (Django's own cache middleware sits as early, for the same reason).

    Placed after the protective-header middleware (CORP, SecurityMiddleware, X-Frame-Options),
    WhiteNoise and the CSP middleware, so a stored page still gets their headers on the way out.
    Only pages a `public_page` view produced are stored, only from requests without a staff
    session cookie (whose session middleware could add `Vary: Cookie` or a cookie), and only
    responses that set no cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return self.get_response(request)
        if not _PAGE_QUERY.fullmatch(request.META.get("QUERY_STRING", "")):
            # Only `?page=N` is part of a page's address: any other query (tracking tags, junk
            # meant to fill the cache) is rendered without being stored.
            return self.get_response(request)
        key = _key(request)
        stored = _pages().get(key)
        if stored is not None:
            status, content, headers = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Accel-Expires"] = proxy_expiry()
            return response
        response = self.get_response(request)
        if request.method == "GET" and getattr(request, "clarion_public_page", False) and _cacheable(response):
            _pages().set(key, (response.status_code, response.content, list(response.items())), RENDERED_TIMEOUT)
            # Only a page this cache would keep may be kept by the proxy: never a page with a
            # cookie, a source's or staff member's page, or an address with a junk query.
            response["X-Accel-Expires"] = proxy_expiry()
        return response
