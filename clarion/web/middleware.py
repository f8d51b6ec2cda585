"""Middleware of the shared plumbing: refused access becomes a security event; a full hashing queue a 503."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from clarion.web import security_events
from clarion.web.hashing import HashingBusy


class SecurityEventMiddleware:
    """Record a logged-in staff member's refused authorisation; answer an exhausted hashing queue.

    The gatekeepers (`access_*`) and role decorators answer "not yours" with the same 404 as
    "missing" (SecureDrop's and Zulip's pattern), so nobody learns what exists; for a staff
    member past login, such a 404 raised by a view is still worth an operator's eye (L8). The
    event names the view, never the path: a path may hold a tip's id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, HashingBusy):
            return render(request, "web/busy.html", {"minutes": 1}, status=503)
        user = getattr(request, "user", None)
        if isinstance(exception, Http404) and user is not None and user.is_authenticated:
            match = request.resolver_match
            security_events.record(
                "access.refused", username=user.get_username(), view=match.view_name if match else "unknown"
            )
        return None
