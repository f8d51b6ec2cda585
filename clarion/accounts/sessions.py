"""Start, time out and end staff sessions.

A staff session ends after STAFF_IDLE_SECONDS without a request and STAFF_MAX_SECONDS after
login whatever happens, so a forgotten browser does not stay open to case data. Logging out,
changing one's password, being disabled or reset ends sessions in every browser.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from clarion.accounts.models import StaffSession
from clarion.web.staff_request import StaffRequest, staff_user

LOGIN_AT = "clarion.staff_login_at"
SEEN_AT = "clarion.staff_seen_at"
# Writing the session on every request would cost a database write per page; a minute of
# slack in the idle timeout does not matter.
SEEN_RESOLUTION = 60


def _store(session_key: str) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def start_staff_session(request: HttpRequest) -> None:
    """Record the (already rotated) session of a staff member who just logged in."""
    moment = timezone.now().timestamp()
    request.session[LOGIN_AT] = moment
    request.session[SEEN_AT] = moment
    request.session.save()
    # Forget records of this person's sessions that expired on their own meanwhile.
    for record in StaffSession.objects.filter(user=staff_user(request)):
        if not _store(record.session_key).exists(record.session_key):
            record.delete()
    StaffSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"user": staff_user(request)}
    )


def rekey_staff_session(request: StaffRequest, old_key: str | None) -> None:
    """Follow the session to its new key after Django rotated it (e.g. on password change)."""
    request.session.save()
    if old_key:
        StaffSession.objects.filter(session_key=old_key).delete()
    StaffSession.objects.update_or_create(session_key=request.session.session_key, defaults={"user": request.user})


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """End every session of `user` except the one keyed `keep`; return how many ended."""
    ended = 0
    for record in StaffSession.objects.filter(user=user).exclude(session_key=keep or ""):
        _store(record.session_key).delete()
        record.delete()
        ended += 1
    return ended


def is_expired(request: HttpRequest) -> bool:
    """Return whether this staff session passed its idle or absolute limit."""
    login_at = request.session.get(LOGIN_AT)
    seen_at = request.session.get(SEEN_AT)
    moment = timezone.now().timestamp()
    if login_at is None or seen_at is None:
        return True
    return moment - seen_at > settings.STAFF_IDLE_SECONDS or moment - login_at > settings.STAFF_MAX_SECONDS


class StaffSessionTimeoutMiddleware:
    """Log out staff sessions past their idle or absolute limit; note activity otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a request carrying a staff session cookie is looked at: touching the session of
        # anyone else would add `Vary: Cookie` to every reader's page and defeat shared caches.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            if is_expired(request):
                StaffSession.objects.filter(session_key=request.session.session_key).delete()
                logout(request)  # flushes the session, the sealed identity with it
            elif (moment := timezone.now().timestamp()) - request.session[SEEN_AT] >= SEEN_RESOLUTION:
                request.session[SEEN_AT] = moment
        return self.get_response(request)
