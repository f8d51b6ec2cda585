"""Guard staff views: nothing behind them before both factors and an unlocked identity.

`reviewer_required` is what every page showing case data uses. A person who has typed their
password but not yet their one-time code is not authenticated at all (the login view keeps
them pending), and a session whose key cookie went missing holds no identity: both are sent
to the login page, which takes them back to the page they asked for afterwards. That page is
remembered in a signed cookie, never in the login page's address (a tip's id in a query string
would reach browser histories and proxy logs: see login_target.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from clarion.accounts import staff_keys
from clarion.accounts.login_target import remember_login_target
from clarion.accounts.roles import is_admin, is_editor, is_reviewer

View = Callable[..., HttpResponseBase]


def is_fully_logged_in(request: HttpRequest) -> bool:
    """Return whether the request comes from a staff member past both factors."""
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_verified())  # type: ignore[attr-defined]  # set by django_otp's OTPMiddleware


def _to_login(request: HttpRequest) -> HttpResponse:
    response = redirect(settings.LOGIN_URL)
    if request.method in ("GET", "HEAD"):
        # Only a page to look at is worth coming back to: a form posted to an ended session
        # would come back as a GET it does not answer.
        remember_login_target(response, request.path)
    return response


def staff_login_required(view: View) -> View:
    """Let through staff members who passed password and one-time code; send others to log in."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_fully_logged_in(request):
            return _to_login(request)
        return view(request, *args, **kwargs)

    return guarded


def reviewer_required(view: View) -> View:
    """Let through reviewers past both factors whose identity this session holds.

    Someone logged in but not a reviewer gets 404, like any page they may not see.
    """

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_fully_logged_in(request) or staff_keys.held_identity(request) is None:
            return _to_login(request)
        if not is_reviewer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


def admin_required(view: View) -> View:
    """Let through admins past both factors; others logged in get 404."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_fully_logged_in(request):
            return _to_login(request)
        if not is_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


def editor_required(view: View) -> View:
    """Let through editors past both factors; others logged in get 404.

    An editor's identity may be missing (a session whose key cookie is gone): publishing
    pages work without it, and the pages that read tips ask for it themselves.
    """

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_fully_logged_in(request):
            return _to_login(request)
        if not is_editor(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded
