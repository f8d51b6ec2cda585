"""Guard views by surface: staff pages need both factors and a role, source pages are never stored.

A person who has typed their password but not yet their one-time code is not authenticated
at all (the login view keeps them pending), and a session whose key cookie went missing holds
no identity: both are sent to the login page, which takes them back to the page they asked for
afterwards. That page is remembered in a signed cookie, never in the login page's address (a
tip's id in a query string would reach browser histories and proxy logs: see login_target.py).
Someone logged in without the role a page needs gets 404, like any page they may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache

from clarion.headers import SOURCE_PAGE
from clarion.web.login_target import remember_login_target
from clarion.web.roles import ADMIN, EDITOR, REVIEWER, has_role
from clarion.web.staff_identity import held_identity

View = Callable[..., HttpResponseBase]


def is_fully_logged_in(request: HttpRequest) -> bool:
    """Return whether the request comes from a staff member past both factors."""
    user = request.user
    # django-otp's OTPMiddleware adds is_verified() to every request's user.
    return bool(user.is_authenticated and user.is_active and user.is_verified())  # type: ignore[attr-defined]


def _to_login(request: HttpRequest) -> HttpResponse:
    response = redirect(settings.LOGIN_URL)
    if request.method in ("GET", "HEAD"):
        # Only a page to look at is worth coming back to: a form posted to an ended session
        # would come back as a GET it does not answer.
        remember_login_target(response, request.path)
    return response


def role_required(role: str | None, *, needs_identity: bool = False) -> Callable[[View], View]:
    """Let through staff members past both factors who hold `role` (any staff member for None).

    With `needs_identity`, the session must also hold the person's identity (pages that open
    tips); without it, a session whose key cookie is gone still gets through, and the pages
    that need the identity ask for it themselves.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not is_fully_logged_in(request) or (needs_identity and held_identity(request) is None):
                return _to_login(request)
            if role is not None and not has_role(request.user, role):
                raise Http404
            return view(request, *args, **kwargs)

        return guarded

    return decorator


staff_login_required = role_required(None)
reviewer_required = role_required(REVIEWER, needs_identity=True)
admin_required = role_required(ADMIN)
editor_required = role_required(EDITOR)


def staff_page(view: View) -> View:
    """Guard a reviewer page (both factors, the role, the identity held) and keep it out of every cache."""
    return never_cache(reviewer_required(view))


def source_page(view: View) -> View:
    """Mark a view as a source page: never stored or rewritten by the browser or a proxy.

    Beyond Django's `never_cache`, the headers the SecureDrop directory checks on a tip line's
    landing page, for the caches that predate Cache-Control (`Pragma`, an `Expires` already
    past) and for proxies that recompress or rewrite pages (`no-transform`): a page of a
    source's visit must reach their browser as sent and stay nowhere on the way. The response
    is also marked, so clarion/headers.py adds the origin-only policy the directory looks for.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Pragma"] = "no-cache"
        # An invalid date counts as already expired (RFC 9111, 5.3); never_cache keeps it.
        response["Expires"] = "-1"
        patch_cache_control(response, no_transform=True)
        setattr(response, SOURCE_PAGE, True)
        return response

    return never_cache(wrapper)
